import type { OnlineServicesExecutor } from '../database.ts';

export function findUserByUserName(db: OnlineServicesExecutor, userName: string) {
  return db.selectFrom('admin_users').selectAll().where('user_name', '=', userName).executeTakeFirst();
}

export function findTenant(db: OnlineServicesExecutor, tenantId: string) {
  return db.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirstOrThrow();
}

export function listUsers(db: OnlineServicesExecutor, tenantId: string) {
  return db
    .selectFrom('admin_users')
    .select([
      'id',
      'user_name',
      'display_name',
      'role',
      'is_service_admin',
      'must_change_password',
      'disabled_at',
      'last_sign_in_at',
    ])
    .where('tenant_id', '=', tenantId)
    .orderBy('is_service_admin', 'desc')
    .orderBy('user_name')
    .execute();
}

/** A user of this tenant only: an id from another tenant names nobody here. */
export function findTenantUser(db: OnlineServicesExecutor, tenantId: string, userId: string) {
  return db
    .selectFrom('admin_users')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', userId)
    .executeTakeFirst();
}

export async function tenantHasAdministrator(db: OnlineServicesExecutor, tenantId: string): Promise<boolean> {
  const row = await db
    .selectFrom('admin_users')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('role', '=', 'admin')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The password is replaced only if it is still the one just verified, so of two
 * changes racing on one temporary password exactly one wins.
 */
export async function replacePassword(
  db: OnlineServicesExecutor,
  change: { adminUserId: string; previousHash: string; newHash: string; now: number },
): Promise<boolean> {
  const result = await db
    .updateTable('admin_users')
    .set({
      password_hash: change.newHash,
      must_change_password: 0,
      password_changed_at: change.now,
      last_sign_in_at: change.now,
    })
    .where('id', '=', change.adminUserId)
    .where('password_hash', '=', change.previousHash)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function recordSignIn(db: OnlineServicesExecutor, adminUserId: string, now: number) {
  await db.updateTable('admin_users').set({ last_sign_in_at: now }).where('id', '=', adminUserId).execute();
}

export async function setDisabled(
  db: OnlineServicesExecutor,
  adminUserId: string,
  disabledAt: number | null,
) {
  await db
    .updateTable('admin_users')
    .set({ disabled_at: disabledAt })
    .where('id', '=', adminUserId)
    .execute();
}

export async function updateSettings(
  db: OnlineServicesExecutor,
  tenantId: string,
  settings: { companyName: string; contactEmail: string | null; language: string; timeZone: string },
) {
  await db
    .updateTable('tenants')
    .set({
      company_name: settings.companyName,
      contact_email: settings.contactEmail,
      language: settings.language,
      time_zone: settings.timeZone,
    })
    .where('id', '=', tenantId)
    .execute();
}

export function listServices(db: OnlineServicesExecutor, tenantId: string) {
  return db
    .selectFrom('tenant_services')
    .select(['service_key', 'enabled'])
    .where('tenant_id', '=', tenantId)
    .orderBy('service_key')
    .execute();
}

export async function setServiceEnabled(
  db: OnlineServicesExecutor,
  tenantId: string,
  serviceKey: string,
  enabled: boolean,
): Promise<boolean> {
  const result = await db
    .updateTable('tenant_services')
    .set({ enabled: enabled ? 1 : 0 })
    .where('tenant_id', '=', tenantId)
    .where('service_key', '=', serviceKey)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export function listAudit(db: OnlineServicesExecutor, tenantId: string, limit = 100) {
  return db
    .selectFrom('admin_audit')
    .select(['actor_kind', 'actor_name', 'action', 'subject', 'at'])
    .where('tenant_id', '=', tenantId)
    .orderBy('at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function findTrustedDevice(db: OnlineServicesExecutor, idHash: string, usedSince: number) {
  return db
    .selectFrom('admin_trusted_devices')
    .select(['admin_user_id'])
    .where('id_hash', '=', idHash)
    .where('last_used_at', '>', usedSince)
    .executeTakeFirst();
}

export async function saveTrustedDevice(
  db: OnlineServicesExecutor,
  device: { idHash: string; adminUserId: string; now: number },
) {
  await db
    .insertInto('admin_trusted_devices')
    .values({
      id_hash: device.idHash,
      admin_user_id: device.adminUserId,
      created_at: device.now,
      last_used_at: device.now,
    })
    .onConflict((conflict) => conflict.column('id_hash').doUpdateSet({ last_used_at: device.now }))
    .execute();
}

/** A browser unused this long earns no trusted lane any more. */
export async function sweepTrustedDevices(db: OnlineServicesExecutor, usedBefore: number) {
  await db.deleteFrom('admin_trusted_devices').where('last_used_at', '<=', usedBefore).execute();
}
