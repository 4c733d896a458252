import type { FastifyReply } from 'fastify';
import { type DomainError, InvalidInput } from '../../shared/http/errors.ts';
import { LastAdministrator } from './errors.ts';

/** A refusal that belongs next to a form's fields rather than on an error page. */
export type FormRefusal = InvalidInput | LastAdministrator;

export type Body = Record<string, unknown>;

function isFormRefusal(error: unknown): error is FormRefusal {
  return error instanceof InvalidInput || error instanceof LastAdministrator;
}

/** Renders a page with a form; after a refusal, with its status, summary and field messages. */
export function showForm(
  reply: FastifyReply,
  template: string,
  data: Record<string, unknown>,
  refusal?: DomainError & { fieldErrors?: Record<string, string> },
) {
  return reply.code(refusal?.status ?? 200).view(template, {
    ...data,
    error: refusal?.message,
    fieldErrors: refusal?.fieldErrors ?? {},
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

/** What the person typed, to fill the form again: text fields only, never more than they sent. */
export function typedValues(body: unknown, names: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  const fields = (body ?? {}) as Body;
  for (const name of names) {
    const value = fields[name];
    if (typeof value === 'string') values[name] = value.slice(0, 300);
  }
  return values;
}
