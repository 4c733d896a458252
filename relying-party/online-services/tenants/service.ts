import { randomUUID } from 'node:crypto';
import { hashSecret } from '../../../shared/security/hashing.ts';
import type { OnlineServicesExecutor } from '../database.ts';
import type { CredentialsCipher } from './credentials-cipher.ts';
import {
  type AuditActor,
  domainTaken,
  endSessionsOf,
  findAdminUser,
  findServiceAdministrator,
  insertAdminUser,
  insertTenant,
  insertTenantServices,
  issueTemporaryCredentials,
  recordAudit,
  setTemporaryPassword,
} from './repository.ts';
import { newTemporaryPassword } from './temporary-password.ts';

/** The services of the Business Productivity Online Standard Suite, as tenant_services keys. */
export const BPOS_SERVICES = [
  'exchange_online',
  'sharepoint_online',
  'office_communications_online',
  'office_live_meeting',
] as const;

/** The domain every tenant's user names end in: admin@<company>.<TENANT_DOMAIN>. */
export const TENANT_DOMAIN = 'onlineservices.example';

export type ProvisionInput = {
  /** The portal's subscription id. */
  subscriptionId: string;
  companyName: string;
  services: readonly string[];
  /** The tenant's language (en, pt-BR): the Center's mails to it. */
  language: string;
  /** The purchaser's address: the tenant's first contact e-mail. */
  contactEmail?: string;
};

export type ProvisionedTenant = {
  tenantId: string;
  adminUserId: string;
  userName: string;
  temporaryPassword: string;
};

/** Who is behind a reset: the portal's support staff, or a Center administrator. */
export type ResetBy = AuditActor;

/**
 * Service tenants and their temporary credentials, for both sides of Online
 * Services: the portal makes a tenant when a subscription starts and shows its
 * service administrator's temporary password; the Center signs people in.
 */
export function createTenantService(cipher: CredentialsCipher) {
  async function sealedTemporaryPassword(adminUserId: string) {
    const temporaryPassword = newTemporaryPassword();
    return {
      temporaryPassword,
      passwordHash: await hashSecret(temporaryPassword),
      ciphertext: cipher.seal(temporaryPassword, adminUserId),
    };
  }

  return {
    /**
     * The tenant, its services, its service administrator (who must change the
     * temporary password at first sign-in) and the encrypted copy the portal may
     * show, all in the caller's transaction: the portal queues its mail in the same one.
     */
    async provisionTenant(trx: OnlineServicesExecutor, input: ProvisionInput): Promise<ProvisionedTenant> {
      const now = Date.now();
      const tenantId = randomUUID();
      const adminUserId = randomUUID();
      const domain = await freeDomain(trx, input.companyName);
      const userName = `admin@${domain}`;
      const sealed = await sealedTemporaryPassword(adminUserId);
      await insertTenant(trx, {
        id: tenantId,
        subscriptionId: input.subscriptionId,
        companyName: input.companyName,
        domain,
        contactEmail: input.contactEmail ?? null,
        language: input.language,
        now,
      });
      await insertTenantServices(trx, tenantId, [...new Set(input.services)]);
      await insertAdminUser(trx, {
        id: adminUserId,
        tenantId,
        userName,
        displayName: 'Service administrator',
        contactEmail: null,
        passwordHash: sealed.passwordHash,
        mustChangePassword: true,
        role: 'service_admin',
        now,
      });
      await issueTemporaryCredentials(trx, adminUserId, sealed.ciphertext, now);
      await recordAudit(trx, {
        tenantId,
        actor: { kind: 'system', id: null, name: 'Online Services' },
        action: 'tenant_created',
        subject: userName,
        now,
      });
      return { tenantId, adminUserId, userName, temporaryPassword: sealed.temporaryPassword };
    },

    /** The stored temporary password in clear, for the page that shows it; never log it. */
    readTemporaryPassword(ciphertext: string, adminUserId: string): string {
      return cipher.open(ciphertext, adminUserId);
    },

    findServiceAdministrator,

    /**
     * A NEW temporary password for a user (new hash, new encrypted copy, retrievals
     * from zero), who must change it at the next sign-in and is signed out now.
     * Portal support uses it when the portal shows the password blank; Center
     * administrators when a user lost theirs.
     */
    async resetTemporaryCredentials(
      trx: OnlineServicesExecutor,
      input: { adminUserId: string; by: ResetBy },
    ): Promise<{ temporaryPassword: string; userName: string }> {
      const user = await findAdminUser(trx, input.adminUserId);
      if (!user) throw new Error(`No admin user ${input.adminUserId}.`);
      const now = Date.now();
      const sealed = await sealedTemporaryPassword(user.id);
      await setTemporaryPassword(trx, user.id, sealed.passwordHash);
      await issueTemporaryCredentials(trx, user.id, sealed.ciphertext, now);
      await endSessionsOf(trx, user.id);
      await recordAudit(trx, {
        tenantId: user.tenant_id,
        actor: input.by,
        action: 'password_reset',
        subject: user.user_name,
        now,
      });
      return { temporaryPassword: sealed.temporaryPassword, userName: user.user_name };
    },
  };
}

export type TenantService = ReturnType<typeof createTenantService>;

/** contoso.onlineservices.example, then contoso-2..., for a company name in any script. */
async function freeDomain(db: OnlineServicesExecutor, companyName: string): Promise<string> {
  const slug =
    companyName
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/, '') || 'company';
  for (let n = 1; n <= 50; n++) {
    const domain = `${n === 1 ? slug : `${slug}-${n}`}.${TENANT_DOMAIN}`;
    if (!(await domainTaken(db, domain))) return domain;
  }
  return `${slug}-${randomUUID().slice(0, 8)}.${TENANT_DOMAIN}`;
}
