import type { Transaction } from 'kysely';
import type { IdpDatabase, IdpTables } from '../database.ts';

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

type Executor = IdpDatabase | Transaction<IdpTables>;

/** The accounts these device ids were issued for, still in use since `usedSince`. */
export function findTrustedDevices(db: Executor, idHashes: readonly string[], usedSince: number) {
  if (idHashes.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('trusted_devices')
    .innerJoin('accounts', 'accounts.id', 'trusted_devices.account_id')
    .select([
      'trusted_devices.id_hash',
      'trusted_devices.account_id',
      'trusted_devices.key_proved_at',
      'accounts.email',
    ])
    .where('trusted_devices.id_hash', 'in', idHashes)
    .where('trusted_devices.last_used_at', '>', usedSince)
    .execute();
}

export async function insertTrustedDevice(db: Executor, idHash: string, accountId: string, now: number) {
  await db
    .insertInto('trusted_devices')
    .values({
      id_hash: idHash,
      account_id: accountId,
      created_at: now,
      last_used_at: now,
      key_proved_at: null,
    })
    .execute();
}

export async function markKeyProved(db: Executor, idHash: string, now: number) {
  await db.updateTable('trusted_devices').set({ key_proved_at: now }).where('id_hash', '=', idHash).execute();
}

export async function touchTrustedDevice(db: Executor, idHash: string, now: number) {
  await db.updateTable('trusted_devices').set({ last_used_at: now }).where('id_hash', '=', idHash).execute();
}

export async function deleteTrustedDevices(db: Executor, idHashes: readonly string[]) {
  if (idHashes.length === 0) return;
  await db.deleteFrom('trusted_devices').where('id_hash', 'in', idHashes).execute();
}

export async function deleteTrustedDevicesOf(db: Executor, accountId: string) {
  await db.deleteFrom('trusted_devices').where('account_id', '=', accountId).execute();
}

export async function sweepTrustedDevices(db: Executor, usedBefore: number) {
  await db.deleteFrom('trusted_devices').where('last_used_at', '<=', usedBefore).execute();
}
