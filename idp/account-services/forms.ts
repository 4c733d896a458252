import { z } from 'zod';
import { choiceField, emailField, textField } from '../../shared/http/form.ts';
import { translate } from '../../shared/i18n/context.ts';
import { COUNTRY_CODES } from '../../shared/i18n/countries.ts';
import { LANGUAGES } from '../../shared/i18n/languages.ts';
import { PASSWORD_MAX_LENGTH, passwordProblem } from '../accounts/password-policy.ts';
import { ALONGSIDE_OTHER_ERRORS, postalCodeField, requirePostalCode } from '../accounts/postal-codes.ts';
import { OWN_QUESTION, questionIdOf, SECRET_QUESTIONS } from '../accounts/secret-questions.ts';
import { botCheckAnswer } from '../throttling/guard.ts';

// Passwords are case-sensitive and kept exactly as typed: no trimming.
const password = (label: string) => textField(label, { max: PASSWORD_MAX_LENGTH, trim: false });

const country = textField('fields.country', { max: 2 }).refine((code) => COUNTRY_CODES.has(code), {
  error: () => translate('form_errors.country_from_list'),
});

/** An optional line of an address: empty means "none". */
const optionalLine = (label: string, max: number) =>
  z.union([z.literal(''), textField(label, { max })]).optional();

// Password forms pass the guard; its bot check rides along once asked for.
export const confirmPasswordForm = z.object({
  password: password('fields.password'),
  altcha: botCheckAnswer,
});

export const emailChangeForm = z.object({ email: emailField('fields.new_email') });

/** The new password's rules need the owner's address, so the schema is made per account. */
export function passwordChangeForm(email: string) {
  return z
    .object({
      current_password: password('fields.current_password'),
      password: password('fields.new_password'),
      password2: password('fields.retype_password'),
      altcha: botCheckAnswer,
    })
    .superRefine((form, context) => {
      const problem = passwordProblem(form.password, email);
      if (problem) context.addIssue({ code: 'custom', path: ['password'], message: problem });
      if (form.password2 !== form.password) {
        context.addIssue({
          code: 'custom',
          path: ['password2'],
          message: translate('form_errors.passwords_differ'),
        });
      }
    });
}

export const alternateEmailForm = z.object({ email: emailField('fields.alternate_email') });

export const mailingAddressForm = z
  .object({
    street: optionalLine('fields.street', 200),
    city: optionalLine('fields.city', 100),
    region: optionalLine('fields.region', 100),
    postal_code: postalCodeField,
    country,
  })
  .superRefine(requirePostalCode, ALONGSIDE_OTHER_ERRORS)
  .superRefine((form, context) => {
    // A street without a town (or the reverse) is no address a letter can reach.
    if (form.street && !form.city) {
      context.addIssue({
        code: 'custom',
        path: ['city'],
        message: translate('form_errors.city_with_street'),
      });
    }
    if (form.city && !form.street) {
      context.addIssue({
        code: 'custom',
        path: ['street'],
        message: translate('form_errors.street_with_city'),
      });
    }
  })
  .transform((form) => ({
    street: form.street || null,
    city: form.city || null,
    region: form.region || null,
    postalCode: form.postal_code,
    country: form.country,
  }));

export const personalDataForm = z
  .object({
    first_name: textField('fields.first_name', { max: 100 }),
    last_name: textField('fields.last_name', { max: 100 }),
    country,
    postal_code: postalCodeField,
    // Absent from an older form: the stored language stays.
    language: z.enum(LANGUAGES).optional(),
  })
  .superRefine(requirePostalCode, ALONGSIDE_OTHER_ERRORS)
  .transform((form) => ({
    firstName: form.first_name,
    lastName: form.last_name,
    country: form.country,
    postalCode: form.postal_code,
    language: form.language,
  }));

export const secretQuestionForm = z
  .object({
    question: textField('fields.secret_question', { max: 100 }).transform(questionIdOf),
    own_question: optionalLine('fields.own_question', 100),
    answer: textField('fields.secret_answer', { max: 100, min: 3 }),
  })
  .superRefine((form, context) => {
    if (form.question === OWN_QUESTION) {
      if (!form.own_question) {
        context.addIssue({
          code: 'custom',
          path: ['own_question'],
          message: translate('form_errors.write_own_question'),
        });
      }
    } else if (!SECRET_QUESTIONS.includes(form.question)) {
      context.addIssue({
        code: 'custom',
        path: ['question'],
        message: translate('form_errors.question_from_list'),
      });
    }
  })
  .transform((form) => ({
    question: form.question === OWN_QUESTION ? form.own_question! : form.question,
    answer: form.answer,
  }));

/** A site on the "Sites you have allowed" page, named by its client id. */
export const siteChoice = z.object({ site: choiceField(200) });
