import type { IdpDatabase } from '../database.ts';

export type Consent = { scopes: string[]; claims: string[] };

export async function findConsent(
  db: IdpDatabase,
  accountId: string,
  clientId: string,
): Promise<Consent | undefined> {
  const row = await db
    .selectFrom('consents')
    .select(['scopes', 'claims'])
    .where('account_id', '=', accountId)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  if (!row) return undefined;
  return { scopes: row.scopes.split(' ').filter(Boolean), claims: JSON.parse(row.claims) as string[] };
}

export async function saveConsent(
  db: IdpDatabase,
  accountId: string,
  clientId: string,
  consent: Consent,
): Promise<void> {
  const values = {
    scopes: consent.scopes.join(' '),
    claims: JSON.stringify(consent.claims),
    updated_at: Date.now(),
  };
  await db
    .insertInto('consents')
    .values({ account_id: accountId, client_id: clientId, ...values })
    .onConflict((conflict) => conflict.columns(['account_id', 'client_id']).doUpdateSet(values))
    .execute();
}
