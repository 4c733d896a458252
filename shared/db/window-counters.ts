import { type Kysely, sql, type Transaction } from 'kysely';
import type { CounterTables } from './tables.ts';

type Store<Schema extends CounterTables> = Kysely<Schema> | Transaction<Schema>;

// Each service's schema has more tables; these functions only touch the counters.
function counters<Schema extends CounterTables>(db: Store<Schema>): Kysely<CounterTables> {
  return db as unknown as Kysely<CounterTables>;
}

/**
 * Fixed-window counters in the store, so every copy of a service counts
 * together. One statement counts and reads, so two events at the same moment
 * never both see the old count. Returns the count including this event.
 */
export async function countInWindow<Schema extends CounterTables>(
  db: Store<Schema>,
  key: string,
  windowMs: number,
  now = Date.now(),
): Promise<number> {
  const counts = await countEachInWindow(db, [key], windowMs, now);
  return counts.get(key)!;
}

/**
 * One event on each of several counters with the same window, in one
 * statement: a try that several limits watch is one write, not one per limit.
 * Keys go in sorted, so two such statements on PostgreSQL lock rows in the
 * same order and cannot deadlock. Returns each count including this event.
 */
export async function countEachInWindow<Schema extends CounterTables>(
  db: Store<Schema>,
  keys: readonly string[],
  windowMs: number,
  now = Date.now(),
): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const windowOver = sql<boolean>`throttle_counters.window_started_at <= ${now - windowMs}`;
  const rows = await counters(db)
    .insertInto('throttle_counters')
    .values(
      [...new Set(keys)].sort().map((key) => ({ key, count: 1, window_started_at: now, updated_at: now })),
    )
    .onConflict((conflict) =>
      conflict.column('key').doUpdateSet({
        count: sql`case when ${windowOver} then 1 else throttle_counters.count + 1 end`,
        window_started_at: sql`case when ${windowOver} then ${now} else throttle_counters.window_started_at end`,
        updated_at: now,
      }),
    )
    .returning(['key', 'count'])
    .execute();
  return new Map(rows.map((row) => [row.key, Number(row.count)]));
}

/** The count in the current window, without counting. */
export async function countSoFar<Schema extends CounterTables>(
  db: Store<Schema>,
  key: string,
  windowMs: number,
  now = Date.now(),
): Promise<number> {
  const row = await counters(db)
    .selectFrom('throttle_counters')
    .select(['count', 'window_started_at'])
    .where('key', '=', key)
    .executeTakeFirst();
  return row && row.window_started_at > now - windowMs ? Number(row.count) : 0;
}

export async function clearCount<Schema extends CounterTables>(
  db: Store<Schema>,
  key: string,
): Promise<void> {
  await counters(db).deleteFrom('throttle_counters').where('key', '=', key).execute();
}

/** Counters untouched for longer than any window are dead weight. */
export async function sweepCounters<Schema extends CounterTables>(
  db: Store<Schema>,
  olderThanMs: number,
  now = Date.now(),
): Promise<void> {
  await counters(db)
    .deleteFrom('throttle_counters')
    .where('updated_at', '<=', now - olderThanMs)
    .execute();
}
