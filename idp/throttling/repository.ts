import type { IdpDatabase } from '../database.ts';

export type CounterRow = { count: number; windowStartedAt: number; lastFailureAt: number };

/**
 * Several counters in one statement, with the time of their last failure that
 * the growing wait is measured from (counters.ts reads one count at a time).
 */
export async function findCounters(db: IdpDatabase, keys: readonly string[]) {
  const rows = await db
    .selectFrom('throttle_counters')
    .select(['key', 'count', 'window_started_at', 'updated_at'])
    .where('key', 'in', keys)
    .execute();
  return new Map<string, CounterRow>(
    rows.map((row) => [
      row.key,
      {
        count: Number(row.count),
        windowStartedAt: Number(row.window_started_at),
        lastFailureAt: Number(row.updated_at),
      },
    ]),
  );
}

/** Takes back one try that was counted before it was checked and turned out right. */
export async function uncountTry(db: IdpDatabase, keys: readonly string[]): Promise<void> {
  await db
    .updateTable('throttle_counters')
    .set((eb) => ({ count: eb('count', '-', 1) }))
    .where('key', 'in', keys)
    .where('count', '>', 0)
    .execute();
}
