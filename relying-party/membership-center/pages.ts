import type { FastifyReply, FastifyRequest } from 'fastify';
import { type DomainError, InvalidInput } from '../../shared/http/errors.ts';
import { type FormShape, formLocals, formStatus } from '../../shared/http/form-page.ts';
import { Forbidden } from '../kit/roles/guard.ts';
import { atPublicMailDomain } from './individuals/public-mail.ts';
import { LastGlobalAdministrator, PrimaryContactStays } from './organizations/errors.ts';
import { type Actor, actorOf } from './organizations/service.ts';
import type { IndividualTable } from './tables.ts';
import { currentVisitor } from './visitor.ts';

export type Body = Record<string, unknown>;

/** Refusals shown next to the form that caused them; every other error gets the error page. */
function isFormRefusal(error: unknown): error is DomainError {
  return (
    error instanceof InvalidInput ||
    error instanceof LastGlobalAdministrator ||
    error instanceof PrimaryContactStays
  );
}

/** The one way a Center form page is drawn, first and after a refusal (what was typed stays). */
export function showForm(
  reply: FastifyReply,
  template: string,
  data: Record<string, unknown>,
  typed: { shape: FormShape; body?: unknown },
  refusal?: DomainError,
) {
  return reply
    .code(formStatus(refusal))
    .view(template, { ...formLocals(typed.shape, typed.body, refusal), ...data });
}

export async function submit(
  change: () => Promise<FastifyReply>,
  showAgain: (refusal: DomainError) => FastifyReply | Promise<FastifyReply>,
) {
  try {
    return await change();
  } catch (error) {
    if (!isFormRefusal(error)) throw error;
    return showAgain(error);
  }
}

/**
 * Where a request that needs a profile goes when it has none: a page asks to
 * sign in or to complete the profile; a form post is refused (403).
 */
export function requireIndividual(request: FastifyRequest, reply: FastifyReply): IndividualTable | undefined {
  const visitor = currentVisitor(request);
  if (visitor?.individual) return visitor.individual;
  if (request.method !== 'GET') throw new Forbidden();
  const path = request.url.split('?')[0] ?? '/';
  reply.redirect(visitor ? '/profile/new' : `/auth/sign-in?return=${encodeURIComponent(path)}`, 303);
  return undefined;
}

/** A member of an organization acting in it; anyone else is sent to the start (or refused, for a post). */
export function requireMember(request: FastifyRequest, reply: FastifyReply): Actor | undefined {
  const individual = requireIndividual(request, reply);
  if (!individual) return undefined;
  const actor = actorOf(individual);
  if (actor) return actor;
  if (request.method !== 'GET') throw new Forbidden();
  reply.redirect('/start', 303);
  return undefined;
}

/** Seed 003's recommendation, when the preferred e-mail or the Passport's e-mail is at a public mail service. */
export function companyEmailNotice(request: FastifyRequest, typedEmail?: unknown): boolean {
  const visitor = currentVisitor(request);
  return [
    visitor?.individual?.email,
    visitor?.email,
    typeof typedEmail === 'string' ? typedEmail : undefined,
  ].some((email) => atPublicMailDomain(email));
}

/** The notices a page shows after a change (the change redirects with `done=`): catalogue keys `done.*`. */
const DONE = new Set([
  'profile-saved',
  'enrolled',
  'asked',
  'role-granted',
  'role-revoked',
  'removed',
  'approved',
  'declined',
]);

export function noticeOf(request: FastifyRequest): string | undefined {
  const done = (request.query as { done?: unknown }).done;
  return typeof done === 'string' && DONE.has(done) ? request.t(`done.${done}`) : undefined;
}
