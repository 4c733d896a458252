import { z } from 'zod';
import { translate } from '../i18n/context.ts';
import { InvalidInput } from './errors.ts';

// U+FFFD is what invalid UTF-8 in a form body decodes to; control characters
// have no place in a name, an address or a password.
const NOT_TEXT = /\uFFFD|(?![\t\n\r])\p{Cc}/u;
// A line break or tab in a one-line value splits mail headers, log lines and CSV
// cells downstream; the Unicode separators are line breaks too.
const LINE_BREAK = /[\t\n\r\u2028\u2029]/;
// Direction controls make text read differently from what it is ("moc.evil"
// shown as "live.com"), in our pages and in every mail and list that repeats it.
const DIRECTION_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

/**
 * A single-line text field: a string (not repeated), valid text on one line
 * without direction controls, within length. Every single-line field is one,
 * passwords and security keys included: a browser's one-line box cannot hold a
 * line break, and a tab or a mark nobody can see is no part of a secret one can retype.
 */
export function textField(label: string, options: { max: number; min?: number; trim?: boolean }) {
  // `label` is a catalogue key; messages are worded when a form is read, in the request's language.
  const says = (key: string, vars?: Record<string, unknown>) => ({
    error: () => translate(key, { label: translate(label), ...vars }),
  });
  const base = z
    .string(says('form.required'))
    .refine((value) => !NOT_TEXT.test(value), says('form.not_text'))
    .refine((value) => !LINE_BREAK.test(value), says('form.line_break'))
    .refine((value) => !DIRECTION_CONTROL.test(value), says('form.direction_control'))
    .transform((value) => (options.trim === false ? value : value.trim()));
  return base.pipe(
    z
      .string()
      .min(options.min ?? 1, says(options.min && options.min > 1 ? 'form.too_short' : 'form.required'))
      .max(options.max, says('form.too_long', { max: options.max })),
  );
}

export function emailField(label = 'form.email_label') {
  return textField(label, { max: 254 }).pipe(z.email({ error: () => translate('form.email_invalid') }));
}

/**
 * A value a page chose for the person (a hidden field, a list): an id up to `max`, once, as
 * text. A control character is no id of ours, and PostgreSQL refuses a NUL in any text it
 * is compared with, which would make a query of a tampered form fail rather than find nothing.
 */
export function choiceField(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !NOT_TEXT.test(value));
}

/** An HTML checkbox: present with any value when ticked, absent when not. */
export const checkbox = z
  .string()
  .max(10)
  .optional()
  .transform((value) => value !== undefined && value !== '');

/**
 * Decodes an urlencoded body the way browsers encode it. WHATWG decoding turns
 * invalid UTF-8 into U+FFFD (which textField refuses) where Node's querystring
 * would pass the raw %-escapes through; a repeated field becomes an array.
 */
export function parseUrlEncoded(body: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(body)) {
    const previous = fields[name];
    fields[name] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return fields;
}

/** Parses a form body; every field problem at once, keyed by field name. */
export function parseForm<Schema extends z.ZodType>(schema: Schema, body: unknown): z.infer<Schema> {
  // Our fields word their own messages; anything zod would word itself (a wrong type, a value
  // outside a list) is "an unexpected value" in the request's language.
  const result = schema.safeParse(body ?? {}, { error: () => translate('form.unexpected_value') });
  if (result.success) return result.data;
  const fields = (body ?? {}) as Record<string, unknown>;
  const fieldErrors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    // A repeated field arrives as an array: say so rather than "is required".
    const repeated = Array.isArray(fields[field]);
    fieldErrors[field] ??= repeated ? translate('form.repeated') : issue.message;
  }
  throw new InvalidInput(fieldErrors);
}
