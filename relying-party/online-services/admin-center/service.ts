import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../../../shared/db/errors.ts';
import { InvalidInput, NotFound } from '../../../shared/http/errors.ts';
import type { Catalogues } from '../../../shared/i18n/catalogues.ts';
import { translate } from '../../../shared/i18n/context.ts';
import { mailWords } from '../../../shared/i18n/mail.ts';
import { enqueueMail } from '../../../shared/mail/outbox.ts';
import { signInFailures, signIns } from '../../../shared/observability/metrics.ts';
import { hashSecret, verifyAgainstNothing, verifySecret } from '../../../shared/security/hashing.ts';
import type { AdminRole, AdminSessionStage, OnlineServicesDatabase } from '../database.ts';
import type { CredentialsCipher } from '../tenants/credentials-cipher.ts';
import {
  type AuditActor,
  destroyTemporaryCredentials,
  endSessionsOf,
  findAdminUser,
  insertAdminUser,
  issueTemporaryCredentials,
  recordAudit,
} from '../tenants/repository.ts';
import type { TenantService } from '../tenants/service.ts';
import { newTemporaryPassword } from '../tenants/temporary-password.ts';
import {
  AccountDisabled,
  AdministratorsOnly,
  CenterCredentialsInvalid,
  PasswordChangedMeanwhile,
} from './errors.ts';
import type { SignInGuard } from './guard.ts';
import { lockoutMail } from './mails.ts';
import {
  findTenant,
  findTenantUser,
  findTrustedDevice,
  findUserByUserName,
  listAudit,
  listServices,
  listUsers,
  recordSignIn,
  replacePassword,
  saveTrustedDevice,
  setDisabled,
  setServiceEnabled,
  tenantHasAdministrator,
  updateSettings,
} from './repository.ts';
import { createSession, endSession, hashOpaqueId, newOpaqueId, type SessionTimes } from './sessions.ts';

/** A browser stays trusted for an account's device lane this long after its last sign-in there. */
export const DEVICE_TRUST_MS = 365 * 24 * 60 * 60 * 1000;

/** Who is signed in: what every page and change of the Center acts as. */
export type Actor = {
  idHash: string;
  stage: AdminSessionStage;
  userId: string;
  userName: string;
  displayName: string;
  role: AdminRole;
  isServiceAdmin: number;
  tenantId: string;
  companyName: string;
  domain: string;
  timeZone: string;
};

export type SignInAttempt = { userName: string; password: string; deviceId?: string; address: string };

export type CenterDeps = {
  db: OnlineServicesDatabase;
  guard: SignInGuard;
  tenants: TenantService;
  cipher: CredentialsCipher;
  catalogues: Catalogues;
  sessionTimes: SessionTimes;
  centerUrl: string;
  mailQueued: () => void;
};

export function isAdministrator(actor: Pick<Actor, 'role'>): boolean {
  return actor.role === 'service_admin' || actor.role === 'admin';
}

function auditActor(actor: Actor): AuditActor {
  return { kind: 'center', id: actor.userId, name: actor.userName };
}

function requireAdministrator(actor: Actor) {
  if (!isAdministrator(actor)) throw new AdministratorsOnly();
}

/**
 * The Administration Center's rules: its own credentials (never Passport), the
 * forced change of a temporary password, the service administrator's own
 * administrator account, and the company's settings, users and services.
 */
export function createCenterService(deps: CenterDeps) {
  const { db, guard } = deps;

  async function trustedDeviceFor(adminUserId: string | undefined, deviceId: string | undefined) {
    // Asked for unknown names too, so the answer takes the same time either way.
    if (!deviceId || deviceId.length > 100) return undefined;
    const device = await findTrustedDevice(db, hashOpaqueId(deviceId), Date.now() - DEVICE_TRUST_MS);
    return device && device.admin_user_id === adminUserId ? hashOpaqueId(deviceId) : undefined;
  }

  async function mailLockout(adminUserId: string, failures: number, address: string) {
    const user = await findAdminUser(db, adminUserId);
    if (!user) return;
    const tenant = await findTenant(db, user.tenant_id);
    const to = user.contact_email ?? tenant.contact_email;
    await db.transaction().execute(async (trx) => {
      await recordAudit(trx, {
        tenantId: tenant.id,
        actor: { kind: 'system', id: null, name: 'Administration Center' },
        action: 'sign_in_throttled',
        subject: user.user_name,
      });
      if (!to) return;
      const { t } = mailWords(deps.catalogues, tenant.language);
      await enqueueMail(
        trx,
        lockoutMail(t, to, { userName: user.user_name, failures, address, centerUrl: deps.centerUrl }),
      );
    });
    deps.mailQueued();
  }

  /** Behind the guard; an unknown name costs the same hash and counts on the same lanes as a known one. */
  async function signIn(attempt: SignInAttempt) {
    const userName = attempt.userName.toLowerCase();
    const user = await findUserByUserName(db, userName);
    const trustedDevice = await trustedDeviceFor(user?.id, attempt.deviceId);
    const tried = await guard.check({
      target: user ? { adminUserId: user.id } : { userName },
      trustedDevice,
      address: attempt.address,
    });
    const right = user
      ? await verifySecret(user.password_hash, attempt.password)
      : await verifyAgainstNothing(attempt.password);
    if (!user || !right) {
      const { reachedLimit } = await tried.failed();
      if (user && reachedLimit) await mailLockout(user.id, reachedLimit, attempt.address);
      signInFailures.inc({ step: 'center_password', reason: 'invalid_credentials' });
      throw new CenterCredentialsInvalid();
    }
    await tried.succeeded();
    if (user.disabled_at !== null) throw new AccountDisabled();
    const now = Date.now();
    const stage: AdminSessionStage = user.must_change_password ? 'change_password' : 'full';
    const sessionId = await db.transaction().execute(async (trx) => {
      // A temporary password opens only the change form: the sign-in counts once it is changed.
      if (stage === 'full') await recordSignIn(trx, user.id, now);
      return createSession(trx, { adminUserId: user.id, stage, times: deps.sessionTimes, now });
    });
    const deviceId = trustedDevice && attempt.deviceId ? attempt.deviceId : newOpaqueId();
    await saveTrustedDevice(db, { idHash: hashOpaqueId(deviceId), adminUserId: user.id, now });
    signIns.inc({ step: 'center_password' });
    return { sessionId, deviceId, stage };
  }

  /**
   * The new password replaces the old one, the temporary password's stored copy
   * is destroyed and every other session ends, in ONE transaction; the person
   * gets a fresh session at the full stage.
   */
  async function changePassword(
    actor: Actor,
    form: { current: string; next: string },
    address: string,
  ): Promise<{ sessionId: string }> {
    const user = await findTenantUser(db, actor.tenantId, actor.userId);
    if (!user) throw new NotFound();
    const tried = await guard.check({ target: { adminUserId: user.id }, address });
    if (!(await verifySecret(user.password_hash, form.current))) {
      await tried.failed();
      throw new InvalidInput({ current_password: translate('form_problems.current_password_wrong') });
    }
    await tried.succeeded();
    if (form.next === form.current) {
      throw new InvalidInput({ new_password: translate('form_problems.new_password_same') });
    }
    const newHash = await hashSecret(form.next);
    const now = Date.now();
    const sessionId = await db.transaction().execute(async (trx) => {
      const replaced = await replacePassword(trx, {
        adminUserId: user.id,
        previousHash: user.password_hash,
        newHash,
        now,
      });
      if (!replaced) throw new PasswordChangedMeanwhile();
      await destroyTemporaryCredentials(trx, user.id, 'changed', now);
      await endSessionsOf(trx, user.id);
      await recordAudit(trx, {
        tenantId: user.tenant_id,
        actor: auditActor(actor),
        action: user.must_change_password ? 'temporary_password_changed' : 'password_changed',
        subject: user.user_name,
        now,
      });
      return createSession(trx, { adminUserId: user.id, stage: 'full', times: deps.sessionTimes, now });
    });
    return { sessionId };
  }

  /** Seed 004 step 7: the service administrator, once signed in, makes their own administrator account. */
  async function needsOwnAccount(actor: Actor): Promise<boolean> {
    return actor.isServiceAdmin === 1 && !(await tenantHasAdministrator(db, actor.tenantId));
  }

  async function addUser(
    actor: Actor,
    user: {
      localPart: string;
      displayName: string;
      contactEmail: string | null;
      role: 'admin' | 'user';
      password?: string;
    },
    action: string,
  ) {
    const id = randomUUID();
    const userName = `${user.localPart}@${actor.domain}`;
    const temporaryPassword = user.password === undefined ? newTemporaryPassword() : undefined;
    const passwordHash = await hashSecret(user.password ?? temporaryPassword!);
    const now = Date.now();
    try {
      await db.transaction().execute(async (trx) => {
        await insertAdminUser(trx, {
          id,
          tenantId: actor.tenantId,
          userName,
          displayName: user.displayName,
          contactEmail: user.contactEmail,
          passwordHash,
          mustChangePassword: temporaryPassword !== undefined,
          role: user.role,
          now,
        });
        if (temporaryPassword) {
          await issueTemporaryCredentials(trx, id, deps.cipher.seal(temporaryPassword, id), now);
        }
        await recordAudit(trx, {
          tenantId: actor.tenantId,
          actor: auditActor(actor),
          action,
          subject: userName,
          now,
        });
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new InvalidInput({ user_name: translate('form_problems.user_name_taken') });
    }
    return { id, userName, temporaryPassword };
  }

  async function tenantUser(actor: Actor, userId: string) {
    const user = await findTenantUser(db, actor.tenantId, userId);
    if (!user) throw new NotFound();
    return user;
  }

  return {
    signIn,
    changePassword,
    needsOwnAccount,

    async signOut(actor: Actor) {
      await endSession(db, actor.idHash);
    },

    async createOwnAdministrator(
      actor: Actor,
      form: { localPart: string; displayName: string; contactEmail: string | null; password: string },
    ) {
      if (actor.isServiceAdmin !== 1) throw new AdministratorsOnly();
      return addUser(actor, { ...form, role: 'admin' }, 'administrator_created');
    },

    async createUser(
      actor: Actor,
      form: { localPart: string; displayName: string; contactEmail: string | null; role: 'admin' | 'user' },
    ) {
      requireAdministrator(actor);
      return addUser(actor, form, 'user_created');
    },

    async listUsers(actor: Actor) {
      requireAdministrator(actor);
      return listUsers(db, actor.tenantId);
    },

    async user(actor: Actor, userId: string) {
      requireAdministrator(actor);
      return tenantUser(actor, userId);
    },

    /** Also the way out when the portal shows the service administrator's password blank. */
    async resetPassword(actor: Actor, userId: string) {
      requireAdministrator(actor);
      const user = await tenantUser(actor, userId);
      if (user.id === actor.userId) throw new NotFound();
      return db
        .transaction()
        .execute((trx) =>
          deps.tenants.resetTemporaryCredentials(trx, { adminUserId: user.id, by: auditActor(actor) }),
        );
    },

    async setUserDisabled(actor: Actor, userId: string, disabled: boolean) {
      requireAdministrator(actor);
      const user = await tenantUser(actor, userId);
      // Nobody locks themselves out: another administrator can.
      if (user.id === actor.userId) throw new NotFound();
      await db.transaction().execute(async (trx) => {
        await setDisabled(trx, user.id, disabled ? Date.now() : null);
        if (disabled) await endSessionsOf(trx, user.id);
        await recordAudit(trx, {
          tenantId: actor.tenantId,
          actor: auditActor(actor),
          action: disabled ? 'user_disabled' : 'user_enabled',
          subject: user.user_name,
        });
      });
    },

    async settings(actor: Actor) {
      requireAdministrator(actor);
      return findTenant(db, actor.tenantId);
    },

    async saveSettings(
      actor: Actor,
      settings: { companyName: string; contactEmail: string | null; language: string; timeZone: string },
    ) {
      requireAdministrator(actor);
      await db.transaction().execute(async (trx) => {
        await updateSettings(trx, actor.tenantId, settings);
        await recordAudit(trx, {
          tenantId: actor.tenantId,
          actor: auditActor(actor),
          action: 'settings_changed',
        });
      });
    },

    async services(actor: Actor) {
      requireAdministrator(actor);
      return listServices(db, actor.tenantId);
    },

    async setService(actor: Actor, serviceKey: string, enabled: boolean) {
      requireAdministrator(actor);
      await db.transaction().execute(async (trx) => {
        if (!(await setServiceEnabled(trx, actor.tenantId, serviceKey, enabled))) throw new NotFound();
        await recordAudit(trx, {
          tenantId: actor.tenantId,
          actor: auditActor(actor),
          action: enabled ? 'service_enabled' : 'service_disabled',
          subject: serviceKey,
        });
      });
    },

    async audit(actor: Actor) {
      requireAdministrator(actor);
      return listAudit(db, actor.tenantId);
    },
  };
}

export type CenterService = ReturnType<typeof createCenterService>;
