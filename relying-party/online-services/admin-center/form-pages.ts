import type { FastifyReply } from 'fastify';
import { type DomainError, InvalidInput } from '../../../shared/http/errors.ts';
import { type FormShape, formLocals, formStatus } from '../../../shared/http/form-page.ts';
import { CenterCredentialsInvalid } from './errors.ts';
import { RetryLater } from './guard.ts';

/** Refusals shown on the form itself, next to what was typed; anything else goes to the error page. */
function isFormRefusal(error: unknown): error is DomainError {
  return (
    error instanceof InvalidInput || error instanceof CenterCredentialsInvalid || error instanceof RetryLater
  );
}

/** A page with a form: after a refusal, its status, the summary and the field messages, and what was typed (never a secret). */
export function showForm(
  reply: FastifyReply,
  template: string,
  shape: FormShape,
  data: Record<string, unknown> = {},
  refusal?: DomainError,
  body?: unknown,
) {
  if (refusal instanceof RetryLater) reply.header('retry-after', String(refusal.retryAfterSeconds));
  return reply.code(formStatus(refusal)).view(template, { ...formLocals(shape, body, refusal), ...data });
}

/** Runs a form's change; a refusal shows the form again. */
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
