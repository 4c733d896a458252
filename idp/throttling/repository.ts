import type { Transaction } from 'kysely';
import type { IdpDatabase, IdpTables } from '../database.ts';

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
      'trusted_devices.last_used_at',
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
