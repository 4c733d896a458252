import type { FastifyRequest } from 'fastify';
import { hashSessionId } from '../kit/auth/sessions.ts';
import { roleFlag } from '../kit/roles/repository.ts';
import { type KitVisitor, type StoredSession, visitorOf } from '../kit/visitor.ts';
import { CUSTOMERSOURCE_ROLES, type RelyingPartyDatabase } from './database.ts';

export type LinkedProfile = {
  id: string;
  name: string;
  email: string;
  isAdmin: boolean;
  isSupport: boolean;
  organizationId: string;
  organizationName: string;
  organizationKind: 'customer' | 'partner' | 'staff';
  plan: string | null;
  planEndsAt: number | null;
};

/** CustomerSource's visitor: the kit's, with the profiles its Passport is linked to. */
export type Visitor = KitVisitor & {
  /** Every active profile this federated identity is linked to. */
  profiles: LinkedProfile[];
  /** The profile chosen for this session (the only one, or the one picked). */
  profile: LinkedProfile | undefined;
};

/** The visitor of a CustomerSource page request. */
export function currentVisitor(request: FastifyRequest): Visitor | undefined {
  return visitorOf<Visitor>(request);
}

/**
 * The profiles linked to the visitor's federated identity, and the one in use
 * (the session's `profile_id`, a CustomerSource column), with their roles.
 * One query, whatever the number of profiles.
 */
export async function loadVisitor(
  db: RelyingPartyDatabase,
  visitor: KitVisitor,
  session: StoredSession,
): Promise<Visitor> {
  const rows = await db
    .selectFrom('links')
    .innerJoin('profiles', 'profiles.id', 'links.profile_id')
    .innerJoin('organizations', 'organizations.id', 'profiles.organization_id')
    .select([
      'profiles.id',
      'profiles.name',
      'profiles.email',
      roleFlag('profiles.id', CUSTOMERSOURCE_ROLES.admin).as('is_admin'),
      roleFlag('profiles.id', CUSTOMERSOURCE_ROLES.support).as('is_support'),
      'organizations.id as organization_id',
      'organizations.name as organization_name',
      'organizations.kind',
      'organizations.plan',
      'organizations.plan_ends_at',
    ])
    .where('links.issuer', '=', visitor.identity.issuer)
    .where('links.subject', '=', visitor.identity.subject)
    .where('profiles.removed_at', 'is', null)
    .orderBy('organizations.name')
    .orderBy('profiles.name')
    .execute();
  const profiles: LinkedProfile[] = rows.map((row) => ({
    id: row.id,
    name: row.name,
    email: row.email,
    isAdmin: row.is_admin === 1,
    isSupport: row.is_support === 1,
    organizationId: row.organization_id,
    organizationName: row.organization_name,
    organizationKind: row.kind,
    plan: row.plan,
    planEndsAt: row.plan_ends_at,
  }));
  const chosen = session.profile_id;
  const profile =
    profiles.find((candidate) => candidate.id === chosen) ??
    (profiles.length === 1 ? profiles[0] : undefined);
  return { ...visitor, profiles, profile };
}

/** The profile this session works in, until sign-out or another choice. */
export async function chooseSessionProfile(db: RelyingPartyDatabase, sessionId: string, profileId: string) {
  await db
    .updateTable('sessions')
    .set({ profile_id: profileId })
    .where('id_hash', '=', hashSessionId(sessionId))
    .execute();
}
