import type { FastifyReply } from 'fastify';
import { type DomainError, InvalidInput } from '../../../shared/http/errors.ts';
import { type FormShape, formLocals, formStatus } from '../../../shared/http/form-page.ts';
import { LastAdministrator } from './errors.ts';

/** A refusal that belongs next to a form's fields rather than on an error page. */
export type FormRefusal = InvalidInput | LastAdministrator;

export type Body = Record<string, unknown>;

function isFormRefusal(error: unknown): error is FormRefusal {
  return error instanceof InvalidInput || error instanceof LastAdministrator;
}

/**
 * Renders a page with a form; after a refusal, with its status, the summary
 * in page order and the messages next to the fields, showing again what was
 * typed in `shape`'s fields. Values in `data` (what is stored) win when given.
 */
export function showForm(
  reply: FastifyReply,
  template: string,
  data: Record<string, unknown>,
  refusal?: DomainError & { fieldErrors?: Record<string, string> },
  typed: { shape: FormShape; body?: unknown } = { shape: { fields: [] } },
) {
  return reply.code(formStatus(refusal)).view(template, {
    ...formLocals(typed.shape, typed.body, refusal),
    ...data,
  });
}

/** Runs a form's change; a refusal shows the form again, every other error goes to the error page. */
export async function submit(
  change: () => Promise<FastifyReply>,
  showAgain: (refusal: FormRefusal) => FastifyReply | Promise<FastifyReply>,
) {
  try {
    return await change();
  } catch (error) {
    if (!isFormRefusal(error)) throw error;
    return showAgain(error);
  }
}
