import { z } from 'zod';
import { emailField, textField } from '../../shared/http/form.ts';
import { translate } from '../../shared/i18n/context.ts';
import { PASSWORD_MAX_LENGTH, passwordProblem } from '../accounts/password-policy.ts';
import { noScriptMark } from '../throttling/bot-check-gate.ts';
import { botCheckAnswer } from '../throttling/guard.ts';

// Passwords are case-sensitive and kept exactly as typed: no trimming.
const newPassword = textField('fields.new_password', { max: PASSWORD_MAX_LENGTH, trim: false });
const retypedPassword = textField('fields.retype_password', { max: PASSWORD_MAX_LENGTH, trim: false });

type PasswordPair = { email?: string; password: string; password2: string };

function checkNewPassword(form: PasswordPair, context: z.core.$RefinementCtx<PasswordPair>) {
  const problem = passwordProblem(form.password, form.email);
  if (problem) context.addIssue({ code: 'custom', path: ['password'], message: problem });
  if (form.password2 !== form.password) {
    context.addIssue({
      code: 'custom',
      path: ['password2'],
      message: translate('form_errors.passwords_differ'),
    });
  }
}

/** The first step of either way: whose password is forgotten. */
export const recoveryEmailForm = z.object({ email: emailField() });

/** The page a mailed reset link opens, and the page of "this was not me". */
export const newPasswordForm = z
  .object({ password: newPassword, password2: retypedPassword })
  .superRefine(checkNewPassword)
  .transform((form) => ({ newPassword: form.password }));

/**
 * The secret answer with the new password. No personal data: country and
 * postal code are released to sites, so they prove nothing.
 */
export const secretAnswerForm = z
  .object({
    email: emailField(),
    answer: textField('fields.secret_answer', { max: 100 }),
    password: newPassword,
    password2: retypedPassword,
    altcha: botCheckAnswer,
    noscript: noScriptMark,
  })
  .superRefine(checkNewPassword)
  .transform((form) => ({
    email: form.email,
    answer: form.answer,
    newPassword: form.password,
    altcha: form.altcha,
    noScript: form.noscript,
  }));
