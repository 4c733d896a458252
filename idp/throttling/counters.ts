import { sql } from 'kysely';
import type { IdpDatabase } from '../database.ts';

/**
 * Fixed-window failure counters in the store, so every copy of the IdP counts
 * together. One statement counts and reads, so concurrent failures never get
 * lost between a read and a write.
 */
export async function countFailure(
  db: IdpDatabase,
  key: string,
  windowMs: number,
  now = Date.now(),
): Promise<number> {
  const windowOver = sql<boolean>`throttle_counters.window_started_at <= ${now - windowMs}`;
  const row = await db
    .insertInto('throttle_counters')
    .values({ key, count: 1, window_started_at: now, updated_at: now })
    .onConflict((conflict) =>
      conflict.column('key').doUpdateSet({
        count: sql`case when ${windowOver} then 1 else throttle_counters.count + 1 end`,
        window_started_at: sql`case when ${windowOver} then ${now} else throttle_counters.window_started_at end`,
        updated_at: now,
      }),
    )
    .returning('count')
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function failuresInWindow(db: IdpDatabase, key: string, windowMs: number, now = Date.now()) {
  const row = await db
    .selectFrom('throttle_counters')
    .select(['count', 'window_started_at'])
    .where('key', '=', key)
    .executeTakeFirst();
  return row && row.window_started_at > now - windowMs ? Number(row.count) : 0;
}

export async function clearFailures(db: IdpDatabase, key: string): Promise<void> {
  await db.deleteFrom('throttle_counters').where('key', '=', key).execute();
}

export async function sweepCounters(db: IdpDatabase, olderThanMs: number, now = Date.now()): Promise<void> {
  await db
    .deleteFrom('throttle_counters')
    .where('updated_at', '<=', now - olderThanMs)
    .execute();
}
