import { randomUUID } from 'node:crypto';
import type { PortalAuditAction, PortalExecutor } from './tables.ts';

export type Member = {
  id: string;
  name: string;
  email: string;
  language: string;
  companyId: string;
  companyName: string;
  companyKind: 'customer' | 'staff';
};

const MEMBER_COLUMNS = [
  'members.id',
  'members.name',
  'members.email',
  'members.language',
  'companies.id as companyId',
  'companies.name as companyName',
  'companies.kind as companyKind',
] as const;

export function findMemberByIdentity(db: PortalExecutor, identity: { issuer: string; subject: string }) {
  return db
    .selectFrom('members')
    .innerJoin('companies', 'companies.id', 'members.company_id')
    .select(MEMBER_COLUMNS)
    .where('members.issuer', '=', identity.issuer)
    .where('members.subject', '=', identity.subject)
    .executeTakeFirst() as Promise<Member | undefined>;
}

/**
 * A member the company named by e-mail takes this Passport at its first sign-in;
 * one conditional write, so two Passports with that address cannot both take it.
 */
export async function claimNamedMember(
  db: PortalExecutor,
  email: string,
  identity: { issuer: string; subject: string },
): Promise<boolean> {
  const result = await db
    .updateTable('members')
    .set({ issuer: identity.issuer, subject: identity.subject })
    .where('email', '=', email.toLowerCase())
    .where('issuer', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function emailTaken(db: PortalExecutor, email: string): Promise<boolean> {
  const row = await db
    .selectFrom('members')
    .select('id')
    .where('email', '=', email.toLowerCase())
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertCompany(
  db: PortalExecutor,
  company: { id: string; name: string; country: string; kind: 'customer' | 'staff'; now: number },
) {
  await db
    .insertInto('companies')
    .values({
      id: company.id,
      name: company.name,
      country: company.country,
      kind: company.kind,
      created_at: company.now,
    })
    .execute();
}

export async function insertMember(
  db: PortalExecutor,
  member: {
    id: string;
    companyId: string;
    identity: { issuer: string; subject: string } | null;
    email: string;
    name: string;
    language: string;
    now: number;
  },
) {
  await db
    .insertInto('members')
    .values({
      id: member.id,
      company_id: member.companyId,
      issuer: member.identity?.issuer ?? null,
      subject: member.identity?.subject ?? null,
      email: member.email.toLowerCase(),
      name: member.name,
      language: member.language,
      created_at: member.now,
    })
    .execute();
}

export function membersOf(db: PortalExecutor, companyId: string) {
  return db
    .selectFrom('members')
    .select(['id', 'name', 'email', 'issuer'])
    .where('company_id', '=', companyId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export function findCompany(db: PortalExecutor, companyId: string) {
  return db.selectFrom('companies').selectAll().where('id', '=', companyId).executeTakeFirst();
}

export function findCustomerCompanies(db: PortalExecutor, name: string) {
  const pattern = `%${name.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db
    .selectFrom('companies')
    .selectAll()
    .where('kind', '=', 'customer')
    .where((eb) => eb(eb.fn('lower', ['name']), 'like', eb.val(pattern)))
    .orderBy('name')
    .limit(50)
    .execute();
}

/** The company's purchasers with their mail language: who gets the credentials. */
export function purchasersOf(db: PortalExecutor, companyId: string) {
  return db
    .selectFrom('member_roles')
    .innerJoin('members', 'members.id', 'member_roles.member_id')
    .select(['members.id', 'members.email', 'members.name', 'members.language'])
    .where('member_roles.organization_id', '=', companyId)
    .where('member_roles.role_key', '=', 'purchaser')
    .orderBy('members.created_at')
    .execute();
}

export async function recordPortalAudit(
  db: PortalExecutor,
  entry: {
    companyId: string;
    memberId: string;
    action: PortalAuditAction;
    subscriptionId?: string | null;
    detail?: string | null;
    now?: number;
  },
) {
  await db
    .insertInto('portal_audit')
    .values({
      id: randomUUID(),
      company_id: entry.companyId,
      member_id: entry.memberId,
      action: entry.action,
      subscription_id: entry.subscriptionId ?? null,
      detail: entry.detail ?? null,
      at: entry.now ?? Date.now(),
    })
    .execute();
}
