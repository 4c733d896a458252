import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { RelyingPartyDatabase } from '../database.ts';

export type RequestLimit = { name: string; max: number; windowMs: number };

/**
 * Fixed-window request counters in the extranet's store, so every copy of the
 * service counts together. One statement counts and reads: two requests at the
 * same moment can never both see the old count.
 */
export async function countRequest(
  db: RelyingPartyDatabase,
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

/** True while `subject` stays within `limit`; the request is counted either way. */
export async function withinLimit(
  db: RelyingPartyDatabase,
  limit: RequestLimit,
  subject: string,
  now = Date.now(),
): Promise<boolean> {
  // Hashed: the table must not become a list of every address anyone typed.
  const key = `${limit.name}:${createHash('sha256').update(subject).digest('base64url')}`;
  return (await countRequest(db, key, limit.windowMs, now)) <= limit.max;
}

/** Counters untouched for longer than any window are dead weight. */
export async function sweepCounters(db: RelyingPartyDatabase, olderThanMs: number, now = Date.now()) {
  await db
    .deleteFrom('throttle_counters')
    .where('updated_at', '<=', now - olderThanMs)
    .execute();
}
