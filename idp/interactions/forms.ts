import { z } from 'zod';
import { checkbox, choiceField, emailField, textField } from '../../shared/http/form.ts';
import { translate } from '../../shared/i18n/context.ts';
import { COUNTRY_CODES } from '../../shared/i18n/countries.ts';
import { looksLikeMailToken } from '../../shared/security/mail-token.ts';
import { PASSWORD_MAX_LENGTH, passwordProblem } from '../accounts/password-policy.ts';
import { ALONGSIDE_OTHER_ERRORS, postalCodeField, requirePostalCode } from '../accounts/postal-codes.ts';
import { OWN_QUESTION, questionIdOf, SECRET_QUESTIONS } from '../accounts/secret-questions.ts';
import { noScriptMark } from '../throttling/bot-check-gate.ts';

// Passwords are case-sensitive and kept exactly as typed: no trimming.
const password = (label: string) => textField(label, { max: PASSWORD_MAX_LENGTH, trim: false });

export const signInForm = z.object({
  email: emailField('fields.email'),
  password: password('fields.password'),
  remember: checkbox,
});

/** Activation outside the browser that signed up: the password chosen at sign-up. */
export const activationForm = z.object({ password: password('fields.password').optional() });

export const signUpForm = z
  .object({
    email: emailField(),
    password: password('fields.password'),
    password2: password('fields.retype_password'),
    question: textField('fields.secret_question', { max: 100 }).transform(questionIdOf),
    own_question: z.union([z.literal(''), textField('fields.own_question', { max: 100 })]).optional(),
    answer: textField('fields.secret_answer', { max: 100, min: 3 }),
    first_name: textField('fields.first_name', { max: 100 }),
    last_name: textField('fields.last_name', { max: 100 }),
    country: textField('fields.country', { max: 2 }).refine((code) => COUNTRY_CODES.has(code), {
      error: () => translate('form_errors.country_from_list'),
    }),
    postal_code: postalCodeField,
    altcha: z.string().max(4096).optional(),
    noscript: noScriptMark,
    submission: z.string().max(100).optional(),
  })
  .superRefine((form, context) => {
    const problem = passwordProblem(form.password, form.email);
    if (problem) context.addIssue({ code: 'custom', path: ['password'], message: problem });
    if (form.password2 !== form.password) {
      context.addIssue({
        code: 'custom',
        path: ['password2'],
        message: translate('form_errors.passwords_differ'),
      });
    }
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
    if (form.answer && form.answer.toLowerCase() === form.password.toLowerCase()) {
      context.addIssue({
        code: 'custom',
        path: ['answer'],
        message: translate('form_errors.answer_is_password'),
      });
    }
  })
  .superRefine(requirePostalCode, ALONGSIDE_OTHER_ERRORS)
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

export const accountChoice = z.object({ account: choiceField(64) });
