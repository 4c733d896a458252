import { z } from 'zod';
import { emailField, textField } from '../../shared/http/form.ts';
import { COUNTRY_CODES } from '../accounts/countries.ts';
import { PASSWORD_MAX_LENGTH, passwordProblem } from '../accounts/password-policy.ts';
import { OWN_QUESTION, SECRET_QUESTIONS } from '../accounts/secret-questions.ts';
import { botCheckAnswer } from '../throttling/guard.ts';

// Passwords are case-sensitive and kept exactly as typed: no trimming.
const password = (label: string) => textField(label, { max: PASSWORD_MAX_LENGTH, trim: false });

const country = textField('Country or region', { max: 2 }).refine(
  (code) => COUNTRY_CODES.has(code),
  'Choose a country or region from the list.',
);
const postalCode = textField('Postal code', { max: 20 });

/** An optional line of an address: empty means "none". */
const optionalLine = (label: string, max: number) =>
  z.union([z.literal(''), textField(label, { max })]).optional();

// Password forms pass the guard; its bot check rides along once asked for.
export const confirmPasswordForm = z.object({ password: password('Password'), altcha: botCheckAnswer });

export const emailChangeForm = z.object({ email: emailField('New e-mail address') });

/** The new password's rules need the owner's address, so the schema is made per account. */
export function passwordChangeForm(email: string) {
  return z
    .object({
      current_password: password('Current password'),
      password: password('New password'),
      password2: password('Retype password'),
      altcha: botCheckAnswer,
    })
    .superRefine((form, context) => {
      const problem = passwordProblem(form.password, email);
      if (problem) context.addIssue({ code: 'custom', path: ['password'], message: problem });
      if (form.password2 !== form.password) {
        context.addIssue({ code: 'custom', path: ['password2'], message: 'The passwords do not match.' });
      }
    });
}

export const alternateEmailForm = z.object({ email: emailField('Alternate e-mail address') });

export const mailingAddressForm = z
  .object({
    street: optionalLine('Street', 200),
    city: optionalLine('City', 100),
    region: optionalLine('State or province', 100),
    postal_code: postalCode,
    country,
  })
  .superRefine((form, context) => {
    // A street without a town (or the reverse) is no address a letter can reach.
    if (form.street && !form.city) {
      context.addIssue({ code: 'custom', path: ['city'], message: 'City is required with a street.' });
    }
    if (form.city && !form.street) {
      context.addIssue({ code: 'custom', path: ['street'], message: 'Street is required with a city.' });
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
    first_name: textField('First name', { max: 100 }),
    last_name: textField('Last name', { max: 100 }),
    country,
    postal_code: postalCode,
  })
  .transform((form) => ({
    firstName: form.first_name,
    lastName: form.last_name,
    country: form.country,
    postalCode: form.postal_code,
  }));

export const secretQuestionForm = z
  .object({
    question: textField('Secret question', { max: 100 }),
    own_question: optionalLine('Your own question', 100),
    answer: textField('Secret answer', { max: 100, min: 3 }),
  })
  .superRefine((form, context) => {
    if (form.question === OWN_QUESTION) {
      if (!form.own_question) {
        context.addIssue({ code: 'custom', path: ['own_question'], message: 'Write your own question.' });
      }
    } else if (!SECRET_QUESTIONS.includes(form.question)) {
      context.addIssue({ code: 'custom', path: ['question'], message: 'Choose a question from the list.' });
    }
  })
  .transform((form) => ({
    question: form.question === OWN_QUESTION ? form.own_question! : form.question,
    answer: form.answer,
  }));

/** A site on the "Sites you have allowed" page, named by its client id. */
export const siteChoice = z.object({ site: z.string().min(1).max(200) });
