import type { IdpDatabase } from '../database.ts';

// Clients an operator added live where oidc-provider's adapter keeps registered
// clients (kind "Client"), so the provider finds them as it finds any
// dynamically registered client, on every copy.
const KIND = 'Client';

export type StoredClient = { clientId: string; metadata: Record<string, unknown> };

/** Insert-if-absent: false when the id is taken, so two adds of one id cannot both win. */
export async function insertClient(db: IdpDatabase, client: StoredClient): Promise<boolean> {
  const result = await db
    .insertInto('oidc_models')
    .values({
      kind: KIND,
      id: client.clientId,
      payload: JSON.stringify(client.metadata),
      grant_id: null,
      user_code: null,
      uid: null,
      account_id: null,
      expires_at: null,
      consumed_at: null,
    })
    .onConflict((conflict) => conflict.columns(['kind', 'id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function listClients(db: IdpDatabase): Promise<StoredClient[]> {
  const rows = await db
    .selectFrom('oidc_models')
    .select(['id', 'payload'])
    .where('kind', '=', KIND)
    .orderBy('id')
    .execute();
  return rows.map((row) => ({ clientId: row.id, metadata: JSON.parse(row.payload) }));
}

export async function findClient(db: IdpDatabase, clientId: string) {
  const row = await db
    .selectFrom('oidc_models')
    .select(['payload'])
    .where('kind', '=', KIND)
    .where('id', '=', clientId)
    .executeTakeFirst();
  return (
    row && { clientId, metadata: JSON.parse(row.payload) as Record<string, unknown>, payload: row.payload }
  );
}

/** Compare-and-set on the stored metadata: a concurrent change makes this one fail, not vanish. */
export async function replaceClient(
  db: IdpDatabase,
  clientId: string,
  previousPayload: string,
  metadata: Record<string, unknown>,
): Promise<boolean> {
  const result = await db
    .updateTable('oidc_models')
    .set({ payload: JSON.stringify(metadata) })
    .where('kind', '=', KIND)
    .where('id', '=', clientId)
    .where('payload', '=', previousPayload)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteClient(db: IdpDatabase, clientId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('oidc_models')
    .where('kind', '=', KIND)
    .where('id', '=', clientId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
