import type { FastifyRequest } from 'fastify';
import { Forbidden } from '../../kit/roles/guard.ts';
import { rightsOf } from '../../kit/roles/repository.ts';
import { kitDatabase } from '../../kit/tables.ts';
import { type KitVisitor, visitorOf } from '../../kit/visitor.ts';
import { claimNamedMember, findMemberByIdentity, type Member } from './repository.ts';
import type { PortalDatabase } from './tables.ts';

/** The portal's visitor: the kit's, with the company membership and the rights it holds. */
export type PortalVisitor = KitVisitor & { member: Member | undefined; rights: ReadonlySet<string> };

export function currentVisitor(request: FastifyRequest): PortalVisitor | undefined {
  return visitorOf<PortalVisitor>(request);
}

/**
 * A person is a member by issuer + subject. At the first sign-in of someone the
 * company named by e-mail (Passport's verified address), that member takes this Passport.
 */
export async function loadPortalVisitor(db: PortalDatabase, visitor: KitVisitor): Promise<PortalVisitor> {
  let member = await findMemberByIdentity(db, visitor.identity);
  if (!member && visitor.email && (await claimNamedMember(db, visitor.email, visitor.identity))) {
    member = await findMemberByIdentity(db, visitor.identity);
  }
  const rights = member ? await rightsOf(kitDatabase(db), member.id, member.companyId) : [];
  return { ...visitor, member, rights: new Set(rights.map((held) => held.right)) };
}

/** A member of a company holding `right`, or a 403 (rights are read on every request). */
export function requireRight(visitor: PortalVisitor, right: string): Member {
  if (!visitor.member || !visitor.rights.has(right)) throw new Forbidden();
  return visitor.member;
}
