import { randomUUID } from 'node:crypto';
import type {
  AdminRole,
  AuditActorKind,
  CredentialsDestroyedReason,
  OnlineServicesExecutor,
} from '../database.ts';

export async function domainTaken(db: OnlineServicesExecutor, domain: string): Promise<boolean> {
  const row = await db.selectFrom('tenants').select('id').where('domain', '=', domain).executeTakeFirst();
  return row !== undefined;
}

export async function insertTenant(
  db: OnlineServicesExecutor,
  tenant: {
    id: string;
    subscriptionId: string;
    companyName: string;
    domain: string;
    contactEmail: string | null;
    language: string;
    now: number;
  },
) {
  await db
    .insertInto('tenants')
    .values({
      id: tenant.id,
      subscription_id: tenant.subscriptionId,
      company_name: tenant.companyName,
      domain: tenant.domain,
      contact_email: tenant.contactEmail,
      language: tenant.language,
      time_zone: 'UTC',
      created_at: tenant.now,
    })
    .execute();
}

export async function insertTenantServices(
  db: OnlineServicesExecutor,
  tenantId: string,
  keys: readonly string[],
) {
  if (keys.length === 0) return;
  await db
    .insertInto('tenant_services')
    .values(keys.map((key) => ({ tenant_id: tenantId, service_key: key, enabled: 1 })))
    .execute();
}

export async function insertAdminUser(
  db: OnlineServicesExecutor,
  user: {
    id: string;
    tenantId: string;
    userName: string;
    displayName: string;
    contactEmail: string | null;
    passwordHash: string;
    mustChangePassword: boolean;
    role: AdminRole;
    now: number;
  },
) {
  await db
    .insertInto('admin_users')
    .values({
      id: user.id,
      tenant_id: user.tenantId,
      user_name: user.userName,
      display_name: user.displayName,
      contact_email: user.contactEmail,
      password_hash: user.passwordHash,
      must_change_password: user.mustChangePassword ? 1 : 0,
      is_service_admin: user.role === 'service_admin' ? 1 : 0,
      role: user.role,
      disabled_at: null,
      created_at: user.now,
      password_changed_at: null,
      last_sign_in_at: null,
    })
    .execute();
}

/** A fresh temporary password for a user: counted from zero again, whatever came before. */
export async function issueTemporaryCredentials(
  db: OnlineServicesExecutor,
  adminUserId: string,
  ciphertext: string,
  now: number,
) {
  const fresh = {
    ciphertext,
    retrievals: 0,
    first_retrieved_by: null,
    destroyed_at: null,
    destroyed_reason: null,
    issued_at: now,
  };
  await db
    .insertInto('temporary_credentials')
    .values({ admin_user_id: adminUserId, ...fresh })
    .onConflict((conflict) => conflict.column('admin_user_id').doUpdateSet(fresh))
    .execute();
}

/** The stored copy is destroyed; the row stays to say why the portal shows no password. */
export async function destroyTemporaryCredentials(
  db: OnlineServicesExecutor,
  adminUserId: string,
  reason: CredentialsDestroyedReason,
  now: number,
) {
  await db
    .updateTable('temporary_credentials')
    .set({ ciphertext: null, destroyed_at: now, destroyed_reason: reason })
    .where('admin_user_id', '=', adminUserId)
    .where('ciphertext', 'is not', null)
    .execute();
}

export async function setTemporaryPassword(
  db: OnlineServicesExecutor,
  adminUserId: string,
  passwordHash: string,
) {
  await db
    .updateTable('admin_users')
    .set({ password_hash: passwordHash, must_change_password: 1 })
    .where('id', '=', adminUserId)
    .execute();
}

export function findAdminUser(db: OnlineServicesExecutor, adminUserId: string) {
  return db.selectFrom('admin_users').selectAll().where('id', '=', adminUserId).executeTakeFirst();
}

/** What the portal shows on "Credentials for ...": the tenant, its service administrator and the stored copy. */
export function findServiceAdministrator(db: OnlineServicesExecutor, subscriptionId: string) {
  return db
    .selectFrom('tenants')
    .innerJoin('admin_users', 'admin_users.tenant_id', 'tenants.id')
    .leftJoin('temporary_credentials', 'temporary_credentials.admin_user_id', 'admin_users.id')
    .select([
      'tenants.id as tenantId',
      'tenants.company_name as companyName',
      'admin_users.id as adminUserId',
      'admin_users.user_name as userName',
      'admin_users.must_change_password as mustChangePassword',
      'admin_users.last_sign_in_at as lastSignInAt',
      'temporary_credentials.ciphertext as ciphertext',
      'temporary_credentials.retrievals as retrievals',
      'temporary_credentials.first_retrieved_by as firstRetrievedBy',
      'temporary_credentials.destroyed_reason as destroyedReason',
      'temporary_credentials.issued_at as issuedAt',
    ])
    .where('tenants.subscription_id', '=', subscriptionId)
    .where('admin_users.is_service_admin', '=', 1)
    .executeTakeFirst();
}

/** Signs a user out everywhere: after a new temporary password, or when disabled. */
export async function endSessionsOf(db: OnlineServicesExecutor, adminUserId: string) {
  await db.deleteFrom('admin_sessions').where('admin_user_id', '=', adminUserId).execute();
}

export type AuditActor = { kind: AuditActorKind; id: string | null; name: string };

export async function recordAudit(
  db: OnlineServicesExecutor,
  entry: { tenantId: string; actor: AuditActor; action: string; subject?: string | null; now?: number },
) {
  await db
    .insertInto('admin_audit')
    .values({
      id: randomUUID(),
      tenant_id: entry.tenantId,
      actor_kind: entry.actor.kind,
      actor_id: entry.actor.id,
      actor_name: entry.actor.name,
      action: entry.action,
      subject: entry.subject ?? null,
      at: entry.now ?? Date.now(),
    })
    .execute();
}
