import { z } from 'zod';
import { checkbox, emailField, textField } from '../../shared/http/form.ts';
import { looksLikeMailToken } from '../../shared/security/mail-token.ts';
import { COUNTRY_CODES } from '../accounts/countries.ts';
import { PASSWORD_MAX_LENGTH, passwordProblem } from '../accounts/password-policy.ts';
import { OWN_QUESTION, SECRET_QUESTIONS } from '../accounts/secret-questions.ts';
import { noScriptMark } from '../throttling/bot-check-gate.ts';

// Passwords are case-sensitive and kept exactly as typed: no trimming.
const password = (label: string) => textField(label, { max: PASSWORD_MAX_LENGTH, trim: false });

export const signInForm = z.object({
  email: emailField('fields.email'),
  password: password('fields.password'),
  remember: checkbox,
});

/** Activation outside the browser that signed up: the password chosen at sign-up. */
export const activationForm = z.object({ password: password('Password').optional() });

export const signUpForm = z
  .object({
    email: emailField(),
    password: password('Password'),
    password2: password('Retype password'),
    question: textField('Secret question', { max: 100 }),
    own_question: z.union([z.literal(''), textField('Your own question', { max: 100 })]).optional(),
    answer: textField('Secret answer', { max: 100, min: 3 }),
    first_name: textField('First name', { max: 100 }),
    last_name: textField('Last name', { max: 100 }),
    country: textField('Country or region', { max: 2 }).refine(
      (code) => COUNTRY_CODES.has(code),
      'Choose a country or region from the list.',
    ),
    postal_code: textField('Postal code', { max: 20 }),
    altcha: z.string().max(4096).optional(),
    noscript: noScriptMark,
    submission: z.string().max(100).optional(),
  })
  .superRefine((form, context) => {
    const problem = passwordProblem(form.password, form.email);
    if (problem) context.addIssue({ code: 'custom', path: ['password'], message: problem });
    if (form.password2 !== form.password) {
      context.addIssue({ code: 'custom', path: ['password2'], message: 'The passwords do not match.' });
    }
    if (form.question === OWN_QUESTION) {
      if (!form.own_question) {
        context.addIssue({ code: 'custom', path: ['own_question'], message: 'Write your own question.' });
      }
    } else if (!SECRET_QUESTIONS.includes(form.question)) {
      context.addIssue({ code: 'custom', path: ['question'], message: 'Choose a question from the list.' });
    }
    if (form.answer && form.answer.toLowerCase() === form.password.toLowerCase()) {
      context.addIssue({ code: 'custom', path: ['answer'], message: 'Your answer cannot be your password.' });
    }
  })
  .transform((form) => ({
    registration: {
      email: form.email,
      password: form.password,
      secretQuestion: form.question === OWN_QUESTION ? form.own_question! : form.question,
      secretAnswer: form.answer,
      firstName: form.first_name,
      lastName: form.last_name,
      country: form.country,
      postalCode: form.postal_code,
    },
    altcha: form.altcha,
    noScript: form.noscript,
    // One that is not ours just makes the sign-up a first one.
    submission: looksLikeMailToken(form.submission) ? form.submission : undefined,
  }));

export const accountChoice = z.object({ account: z.string().min(1).max(64) });
