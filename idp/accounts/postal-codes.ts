import type { RefinementCtx } from 'zod';
import { textField } from '../../shared/http/form.ts';
import { translate } from '../../shared/i18n/context.ts';

/**
 * Countries where an address has no postal code, or where one exists but few
 * people use it (Ireland's Eircode, Panama's), after the list behind Google's
 * libaddressinput and the Universal Postal Union's: there the field may stay
 * empty. Everywhere else it is asked for, as before. A short documented set
 * rather than a dependency: it changes perhaps once in years.
 */
export const POSTAL_CODE_OPTIONAL: ReadonlySet<string> = new Set(
  'AE AG AN AO AW BF BI BJ BO BQ BS BW BZ CD CF CG CI CK CM CW DJ DM ER FJ GA GD GH GM GQ GY HK IE JM KI KM KN KP LY ML MO MR MW NR NU PA QA RW SB SC SL SO SR SS ST SX SY TF TG TK TL TO TT TV UG VU YE ZW'.split(
    ' ',
  ),
);

/** The postal-code field: empty passes here, and `requirePostalCode` asks for it where the country has codes. */
export const postalCodeField = textField('fields.postal_code', { max: 20, min: 0 }).default('');

// Runs even when other fields are wrong, so an empty form names the postal code with the rest.
export const ALONGSIDE_OTHER_ERRORS = { when: () => true };

export function requirePostalCode(
  form: { country?: unknown; postal_code?: unknown },
  context: Pick<RefinementCtx, 'addIssue'>,
) {
  if (form.postal_code || POSTAL_CODE_OPTIONAL.has(String(form.country ?? ''))) return;
  context.addIssue({
    code: 'custom',
    path: ['postal_code'],
    message: translate('form.required', { label: translate('fields.postal_code') }),
  });
}
