import type { DomainError } from './errors.ts';

/**
 * A form as its page shows it: every field name in page order, and the ones
 * never sent back to the browser (passwords, security keys), which a person
 * types again after a mistake while everything else stays as typed.
 */
export type FormShape = {
  fields: readonly string[];
  secrets?: readonly string[];
};

/** One line of the error summary: the message, and the id of the control it is about when the page has one. */
export type SummaryEntry = { field?: string; message: string };

export type FormLocals = {
  values: Record<string, string>;
  error?: string;
  fieldErrors: Record<string, string>;
  summary: SummaryEntry[];
};

// Longer than any field we accept, so a value is never cut while a person can fix it,
// and short enough that a hostile body is not echoed back at length.
const KEPT_MAX_LENGTH = 1000;

/**
 * The one way a form is shown again: what the person typed (never a secret),
 * the messages of the refusal next to the fields they are about, and a summary
 * in page order whose entries link to those fields. A refusal that names no
 * field (a wrong password, a wait) is the summary's lead only.
 */
export function formLocals(shape: FormShape, body?: unknown, refusal?: DomainError): FormLocals {
  const secrets = new Set(shape.secrets ?? []);
  const sent = (body ?? {}) as Record<string, unknown>;
  const values: Record<string, string> = {};
  for (const field of shape.fields) {
    const value = sent[field];
    if (!secrets.has(field) && typeof value === 'string') values[field] = value.slice(0, KEPT_MAX_LENGTH);
  }
  const fieldErrors = refusal ? fieldErrorsOf(refusal) : {};
  const onPage = new Set(shape.fields);
  const summary: SummaryEntry[] = [
    ...shape.fields
      .filter((field) => fieldErrors[field] !== undefined)
      .map((field) => ({ field, message: fieldErrors[field]! })),
    // A message about something the page has no control for is said, but links nowhere.
    ...Object.entries(fieldErrors)
      .filter(([field]) => !onPage.has(field))
      .map(([, message]) => ({ message })),
  ];
  return { values, error: refusal?.message, fieldErrors, summary };
}

/** The status a form page answers with: the refusal's, else 200. */
export function formStatus(refusal?: DomainError): number {
  return refusal?.status ?? 200;
}

function fieldErrorsOf(refusal: DomainError): Record<string, string> {
  const { fieldErrors } = refusal as DomainError & { fieldErrors?: unknown };
  return fieldErrors && typeof fieldErrors === 'object' ? (fieldErrors as Record<string, string>) : {};
}
