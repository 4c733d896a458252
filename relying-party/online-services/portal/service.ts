import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../../../shared/db/errors.ts';
import { grantRole } from '../../kit/roles/repository.ts';
import { fieldRefusal } from './errors.ts';
import { emailTaken, insertCompany, insertMember, type Member, recordPortalAudit } from './repository.ts';
import { kitOf, type PortalDatabase } from './tables.ts';

export type MemberRole = 'purchaser' | 'billing_admin';

/** Companies and their people: the first person of a company is its purchaser. */
export function createCompanyService(db: PortalDatabase) {
  return {
    /** A signed-in person with no company creates one and becomes its purchaser. */
    async createCompany(input: {
      identity: { issuer: string; subject: string };
      email: string;
      name: string;
      companyName: string;
      country: string;
      language: string;
    }): Promise<void> {
      const now = Date.now();
      const companyId = randomUUID();
      const memberId = randomUUID();
      try {
        await db.transaction().execute(async (trx) => {
          await insertCompany(trx, {
            id: companyId,
            name: input.companyName,
            country: input.country,
            kind: 'customer',
            now,
          });
          await insertMember(trx, {
            id: memberId,
            companyId,
            identity: input.identity,
            email: input.email,
            name: input.name,
            language: input.language,
            now,
          });
          await grantRole(kitOf(trx), {
            memberId,
            organizationId: companyId,
            roleKey: 'purchaser',
            grantedBy: memberId,
          });
          await recordPortalAudit(trx, { companyId, memberId, action: 'company_created', now });
        });
      } catch (error) {
        // The same Passport twice (two tabs), or an address another member has.
        if (isUniqueViolation(error)) throw fieldRefusal('company_name', 'join.errors.already_member');
        throw error;
      }
    },

    /** The purchaser names a person of the company by e-mail; they join at their first sign-in. */
    async addMember(
      by: Member,
      input: { name: string; email: string; role: MemberRole; language: string },
    ): Promise<void> {
      if (await emailTaken(db, input.email)) throw fieldRefusal('email', 'people.errors.email_taken');
      const now = Date.now();
      const memberId = randomUUID();
      try {
        await db.transaction().execute(async (trx) => {
          await insertMember(trx, {
            id: memberId,
            companyId: by.companyId,
            identity: null,
            email: input.email,
            name: input.name,
            language: input.language,
            now,
          });
          await grantRole(kitOf(trx), {
            memberId,
            organizationId: by.companyId,
            roleKey: input.role,
            grantedBy: by.id,
          });
          await recordPortalAudit(trx, {
            companyId: by.companyId,
            memberId: by.id,
            action: 'member_added',
            detail: `${input.email} ${input.role}`,
            now,
          });
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw fieldRefusal('email', 'people.errors.email_taken');
        throw error;
      }
    },
  };
}

export type CompanyService = ReturnType<typeof createCompanyService>;
