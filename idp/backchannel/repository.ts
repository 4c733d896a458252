import { randomUUID } from 'node:crypto';
import type { BackchannelLogoutTable, IdpDatabase } from '../database.ts';

export type OwedLogout = { clientId: string; accountId: string; sid: string | undefined };

export type DueLogout = Pick<
  BackchannelLogoutTable,
  'id' | 'client_id' | 'account_id' | 'sid' | 'attempts' | 'created_at'
>;

export async function queueLogout(db: IdpDatabase, logout: OwedLogout, now = Date.now()): Promise<void> {
  await db
    .insertInto('backchannel_logouts')
    .values({
      id: randomUUID(),
      client_id: logout.clientId,
      account_id: logout.accountId,
      sid: logout.sid ?? null,
      created_at: now,
      attempts: 0,
      next_attempt_at: now,
      claimed_until: null,
      delivered_at: null,
      gave_up_at: null,
      last_error: null,
    })
    .execute();
}

export async function dueLogouts(db: IdpDatabase, limit: number, now = Date.now()): Promise<DueLogout[]> {
  return db
    .selectFrom('backchannel_logouts')
    .select(['id', 'client_id', 'account_id', 'sid', 'attempts', 'created_at'])
    .where('delivered_at', 'is', null)
    .where('gave_up_at', 'is', null)
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
}

/**
 * True when this worker won the logout: the same conditions as the pick, in one
 * conditional write, so of several copies exactly one sends each try.
 */
export async function claimLogout(db: IdpDatabase, id: string, claimMs: number, now = Date.now()) {
  const result = await db
    .updateTable('backchannel_logouts')
    .set({ claimed_until: now + claimMs })
    .where('id', '=', id)
    .where('delivered_at', 'is', null)
    .where('gave_up_at', 'is', null)
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function markDelivered(db: IdpDatabase, id: string, now = Date.now()): Promise<void> {
  await db
    .updateTable('backchannel_logouts')
    .set({ delivered_at: now, claimed_until: null })
    .where('id', '=', id)
    .where('delivered_at', 'is', null)
    .execute();
}

/** Another try at `nextAttemptAt`, or none when `nextAttemptAt` is null (given up). */
export async function recordFailedTry(
  db: IdpDatabase,
  id: string,
  failure: { reason: string; nextAttemptAt: number | null },
  now = Date.now(),
): Promise<void> {
  await db
    .updateTable('backchannel_logouts')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_error: failure.reason,
      claimed_until: null,
      ...(failure.nextAttemptAt === null ? { gave_up_at: now } : { next_attempt_at: failure.nextAttemptAt }),
    }))
    .where('id', '=', id)
    .where('delivered_at', 'is', null)
    .execute();
}

/** Delivered and given-up logouts are kept `keptMs` for the operator to look into, then dropped. */
export async function sweepLogouts(db: IdpDatabase, keptMs: number, now = Date.now()): Promise<void> {
  const before = now - keptMs;
  await db
    .deleteFrom('backchannel_logouts')
    .where((eb) => eb.or([eb('delivered_at', '<=', before), eb('gave_up_at', '<=', before)]))
    .execute();
}
