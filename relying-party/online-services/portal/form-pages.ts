import type { FastifyReply, FastifyRequest } from 'fastify';
import { type DomainError, InvalidInput } from '../../../shared/http/errors.ts';
import { type FormShape, formLocals, formStatus } from '../../../shared/http/form-page.ts';
import { currentVisitor, type PortalVisitor } from './visitor.ts';

export type Body = Record<string, unknown>;

/** A page with a form: after a refusal its status, the summary and field messages, and what was typed. */
export function showForm(
  reply: FastifyReply,
  template: string,
  data: Record<string, unknown>,
  refusal?: DomainError,
  typed: { shape: FormShape; body?: unknown } = { shape: { fields: [] } },
) {
  return reply
    .code(formStatus(refusal))
    .view(template, { ...formLocals(typed.shape, typed.body, refusal), ...data });
}

/** Runs a form's change; a field refusal shows the form again, anything else goes to the error page. */
export async function submit(
  change: () => Promise<FastifyReply>,
  showAgain: (refusal: InvalidInput) => FastifyReply | Promise<FastifyReply>,
) {
  try {
    return await change();
  } catch (error) {
    if (!(error instanceof InvalidInput)) throw error;
    return showAgain(error);
  }
}

/**
 * preHandler of the company pages: signed out, sign in and come back; signed in
 * without a company, say which company first.
 */
export async function requireMember(request: FastifyRequest, reply: FastifyReply) {
  const visitor = currentVisitor(request);
  if (!visitor) {
    // After sign-in the browser comes back with a GET: a form's address is no page to return to.
    const back = request.method === 'GET' ? request.url : '/subscriptions';
    return reply.redirect(`/auth/sign-in?return=${encodeURIComponent(back)}`, 303);
  }
  if (!visitor.member) return reply.redirect('/join', 303);
}

/** After requireMember. */
export function memberVisitor(
  request: FastifyRequest,
): PortalVisitor & { member: NonNullable<PortalVisitor['member']> } {
  const visitor = currentVisitor(request);
  if (!visitor?.member) throw new Error('memberVisitor called before requireMember');
  return visitor as PortalVisitor & { member: NonNullable<PortalVisitor['member']> };
}
