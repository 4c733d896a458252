import type { Transaction } from 'kysely';
import type { IdpDatabase, IdpTables } from '../database.ts';
import type { ShortLivedStore } from '../state/short-lived-store.ts';

type Store = IdpDatabase | Transaction<IdpTables>;

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

/** The sites this person allowed, most recent first. */
export async function listConsents(db: IdpDatabase, accountId: string) {
  const rows = await db
    .selectFrom('consents')
    .select(['client_id', 'scopes', 'updated_at'])
    .where('account_id', '=', accountId)
    .orderBy('updated_at', 'desc')
    .execute();
  return rows.map((row) => ({
    clientId: row.client_id,
    scopes: row.scopes.split(' ').filter(Boolean),
    updatedAt: row.updated_at,
  }));
}

/** Every stored "Allow" of this person: each site asks again at the next sign-in. */
export async function forgetConsents(db: Store, accountId: string): Promise<void> {
  await db.deleteFrom('consents').where('account_id', '=', accountId).execute();
}

/** One site's stored "Allow" withdrawn; true when there was one. */
export async function withdrawConsent(db: Store, accountId: string, clientId: string): Promise<boolean> {
  const removed = await db
    .deleteFrom('consents')
    .where('account_id', '=', accountId)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  return removed.numDeletedRows > 0n;
}

/**
 * What a site holds of a person: the grants to it and their tokens, so a
 * refresh token stops working too. Returns whether there was any.
 */
export async function revokeSiteGrants(
  shortLived: ShortLivedStore,
  accountId: string,
  clientId: string,
): Promise<boolean> {
  const grants = await shortLived.grantsOf(accountId);
  const toClient = grants.filter((grant) => grant.payload.clientId === clientId).map((grant) => grant.id);
  await shortLived.revokeGrants(toClient);
  return toClient.length > 0;
}
