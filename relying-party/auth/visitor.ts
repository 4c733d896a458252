import type { FastifyRequest } from 'fastify';
import type { RelyingPartyDatabase } from '../database.ts';
import { SESSION_COOKIE } from './cookies.ts';
import { findSession } from './sessions.ts';

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

export type Visitor = {
  sessionId: string;
  identity: { issuer: string; subject: string };
  idpSid: string | null;
  authenticatedAt: number;
  /** Every active profile this federated identity is linked to. */
  profiles: LinkedProfile[];
  /** The profile chosen for this session (the only one, or the one picked). */
  profile: LinkedProfile | undefined;
};

/**
 * Who is asking: the session, its federated identity, the profiles linked to
 * it, and the one in use. Two queries, whatever the number of profiles.
 */
export async function loadVisitor(
  db: RelyingPartyDatabase,
  request: FastifyRequest,
): Promise<Visitor | undefined> {
  const sessionId = request.cookies[SESSION_COOKIE];
  const session = await findSession(db, sessionId);
  if (!session || !sessionId) return undefined;
  const rows = await db
    .selectFrom('links')
    .innerJoin('profiles', 'profiles.id', 'links.profile_id')
    .innerJoin('organizations', 'organizations.id', 'profiles.organization_id')
    .select([
      'profiles.id',
      'profiles.name',
      'profiles.email',
      'profiles.is_admin',
      'profiles.is_support',
      'organizations.id as organization_id',
      'organizations.name as organization_name',
      'organizations.kind',
      'organizations.plan',
      'organizations.plan_ends_at',
    ])
    .where('links.issuer', '=', session.issuer)
    .where('links.subject', '=', session.subject)
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
  const profile =
    profiles.find((candidate) => candidate.id === session.profile_id) ??
    (profiles.length === 1 ? profiles[0] : undefined);
  return {
    sessionId,
    identity: { issuer: session.issuer, subject: session.subject },
    idpSid: session.idp_sid,
    authenticatedAt: session.authenticated_at,
    profiles,
    profile,
  };
}
