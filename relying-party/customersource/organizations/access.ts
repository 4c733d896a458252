import type { FastifyReply, FastifyRequest } from 'fastify';
import { currentVisitor, type LinkedProfile, type Visitor } from '../visitor.ts';
import type { Actor } from './audit.ts';
import { NotAdministrator, NotSupportStaff } from './errors.ts';
import { formatLastPlanDay, hasAccess } from './plan.ts';

export type Access =
  | { kind: 'granted'; profile: LinkedProfile }
  | { kind: 'signed-out' }
  | { kind: 'no-profile' }
  | { kind: 'plan-ended'; profile: LinkedProfile };

/** The one rule for every page that shows extranet data. */
export function accessOf(visitor: Visitor | undefined, now = Date.now()): Access {
  if (!visitor) return { kind: 'signed-out' };
  const profile = visitor.profile;
  if (!profile) return { kind: 'no-profile' };
  return hasAccess(profile, now) ? { kind: 'granted', profile } : { kind: 'plan-ended', profile };
}

/**
 * preHandler of every data page: a signed-out visitor goes to sign in and comes
 * back, one without a chosen profile goes to the front door (which asks for an
 * association or a choice), and an ended plan gets its own page and nothing else.
 */
export async function requireAccess(request: FastifyRequest, reply: FastifyReply) {
  const access = accessOf(currentVisitor(request));
  switch (access.kind) {
    case 'granted':
      return;
    case 'signed-out': {
      // After sign-in the browser comes back with a GET: a form's address is no page to return to.
      const returnTo = request.method === 'GET' ? request.url : '/';
      return reply.redirect(`/auth/sign-in?return=${encodeURIComponent(returnTo)}`, 303);
    }
    case 'no-profile':
      return reply.redirect('/', 303);
    case 'plan-ended':
      return reply.code(403).view('plan-ended', {
        organizationName: access.profile.organizationName,
        endedOn:
          access.profile.planEndsAt === null
            ? null
            : formatLastPlanDay(access.profile.planEndsAt, request.language),
      });
  }
}

/** After requireAccess: administrators of the chosen profile's organization only. */
export async function requireAdministrator(request: FastifyRequest) {
  if (!currentVisitor(request)?.profile?.isAdmin) throw new NotAdministrator();
}

/** After requireAccess: support staff (the staff organization's support role) only. */
export async function requireSupportStaff(request: FastifyRequest) {
  const profile = currentVisitor(request)?.profile;
  if (!profile?.isSupport || profile.organizationKind !== 'staff') throw new NotSupportStaff();
}

/** Who acts on an admitted request, as the audit log records it. */
export function actorOf(request: FastifyRequest): Actor {
  const visitor = currentVisitor(request);
  const profile = visitor?.profile;
  if (!visitor || !profile) throw new Error('actorOf called before requireAccess');
  return {
    profileId: profile.id,
    organizationId: profile.organizationId,
    organizationName: profile.organizationName,
    identity: visitor.identity,
  };
}
