import type { IdpDatabase } from '../database.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Notes that this person was signed in to this site. "Last used" is kept to the
 * day, so a person's everyday sign-ins read one row and write nothing.
 */
export async function recordSiteUse(db: IdpDatabase, accountId: string, clientId: string, now = Date.now()) {
  const known = await db
    .selectFrom('site_uses')
    .select('last_used_at')
    .where('account_id', '=', accountId)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  if (known && now - Number(known.last_used_at) < DAY_MS) return;
  await db
    .insertInto('site_uses')
    .values({ account_id: accountId, client_id: clientId, first_used_at: now, last_used_at: now })
    .onConflict((conflict) =>
      conflict.columns(['account_id', 'client_id']).doUpdateSet({ last_used_at: now }),
    )
    .execute();
}

/** The sites this person has used, most recently used first. */
export async function listSiteUses(db: IdpDatabase, accountId: string) {
  const rows = await db
    .selectFrom('site_uses')
    .select(['client_id', 'first_used_at', 'last_used_at'])
    .where('account_id', '=', accountId)
    .orderBy('last_used_at', 'desc')
    .limit(200)
    .execute();
  return rows.map((row) => ({
    clientId: row.client_id,
    firstUsedAt: Number(row.first_used_at),
    lastUsedAt: Number(row.last_used_at),
  }));
}
