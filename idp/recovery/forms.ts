import { z } from 'zod';
import { emailField, textField } from '../../shared/http/form.ts';
import { COUNTRY_CODES } from '../accounts/countries.ts';
import { PASSWORD_MAX_LENGTH, passwordProblem } from '../accounts/password-policy.ts';

// Passwords are case-sensitive and kept exactly as typed: no trimming.
const newPassword = textField('New password', { max: PASSWORD_MAX_LENGTH, trim: false });
const retypedPassword = textField('Retype password', { max: PASSWORD_MAX_LENGTH, trim: false });

type PasswordPair = { email?: string; password: string; password2: string };

function checkNewPassword(form: PasswordPair, context: z.core.$RefinementCtx<PasswordPair>) {
  const problem = passwordProblem(form.password, form.email);
  if (problem) context.addIssue({ code: 'custom', path: ['password'], message: problem });
  if (form.password2 !== form.password) {
    context.addIssue({ code: 'custom', path: ['password2'], message: 'The passwords do not match.' });
  }
}

/** The first step of either way: whose password is forgotten. */
export const recoveryEmailForm = z.object({ email: emailField() });

/** The page a mailed reset link opens. */
export const newPasswordForm = z
  .object({ password: newPassword, password2: retypedPassword })
  .superRefine(checkNewPassword)
  .transform((form) => ({ newPassword: form.password }));

/** The secret answer and the personal data given at sign-up, with the new password. */
export const secretAnswerForm = z
  .object({
    email: emailField(),
    answer: textField('Secret answer', { max: 100 }),
    country: textField('Country or region', { max: 2 }).refine(
      (code) => COUNTRY_CODES.has(code),
      'Choose a country or region from the list.',
    ),
    postal_code: textField('Postal code', { max: 20 }),
    password: newPassword,
    password2: retypedPassword,
    altcha: z.string().max(4096).optional(),
  })
  .superRefine(checkNewPassword)
  .transform((form) => ({
    email: form.email,
    answer: form.answer,
    country: form.country,
    postalCode: form.postal_code,
    newPassword: form.password,
    altcha: form.altcha,
  }));
