import { createHash, randomBytes } from 'node:crypto';
import type { AdminSessionStage, OnlineServicesExecutor } from '../database.ts';

/** The Center's cookies carry `osa_`: the portal's are `os_`, and neither opens the other. */
export const SESSION_COOKIE = 'osa_session';
export const DEVICE_COOKIE = 'osa_device';
export const LANGUAGE_COOKIE = 'osa_lang';

// A touch at most once a minute: an idle timeout needs no write per request.
const TOUCH_EVERY_MS = 60_000;

export function hashOpaqueId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

export function newOpaqueId(): string {
  return randomBytes(32).toString('base64url');
}

export type SessionTimes = { absoluteMs: number; idleMs: number };

/** Server-side sessions: the cookie holds a random id, the store only its SHA-256. */
export async function createSession(
  db: OnlineServicesExecutor,
  session: { adminUserId: string; stage: AdminSessionStage; times: SessionTimes; now?: number },
): Promise<string> {
  const id = newOpaqueId();
  const now = session.now ?? Date.now();
  await db
    .insertInto('admin_sessions')
    .values({
      id_hash: hashOpaqueId(id),
      admin_user_id: session.adminUserId,
      stage: session.stage,
      created_at: now,
      last_seen_at: now,
      expires_at: now + session.times.absoluteMs,
    })
    .execute();
  return id;
}

/**
 * The live session behind a cookie, with its user and tenant: none once it has
 * run out, sat idle too long, or its user was disabled.
 */
export async function findLiveSession(
  db: OnlineServicesExecutor,
  id: string | undefined,
  times: SessionTimes,
  now = Date.now(),
) {
  if (!id || id.length > 100) return undefined;
  const idHash = hashOpaqueId(id);
  const row = await db
    .selectFrom('admin_sessions')
    .innerJoin('admin_users', 'admin_users.id', 'admin_sessions.admin_user_id')
    .innerJoin('tenants', 'tenants.id', 'admin_users.tenant_id')
    .select([
      'admin_sessions.stage',
      'admin_sessions.last_seen_at',
      'admin_users.id as userId',
      'admin_users.user_name as userName',
      'admin_users.display_name as displayName',
      'admin_users.role',
      'admin_users.is_service_admin as isServiceAdmin',
      'tenants.id as tenantId',
      'tenants.company_name as companyName',
      'tenants.domain',
      'tenants.time_zone as timeZone',
    ])
    .where('admin_sessions.id_hash', '=', idHash)
    .where('admin_sessions.expires_at', '>', now)
    .where('admin_sessions.last_seen_at', '>', now - times.idleMs)
    .where('admin_users.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  if (now - row.last_seen_at >= TOUCH_EVERY_MS) {
    await db.updateTable('admin_sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
  }
  return { idHash, ...row };
}

export async function endSession(db: OnlineServicesExecutor, idHash: string) {
  await db.deleteFrom('admin_sessions').where('id_hash', '=', idHash).execute();
}

export async function sweepSessions(db: OnlineServicesExecutor, times: SessionTimes, now = Date.now()) {
  await db
    .deleteFrom('admin_sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', now - times.idleMs)]))
    .execute();
}
