import { z } from 'zod';
import { emailField, textField } from '../../../shared/http/form.ts';
import { translate } from '../../../shared/i18n/context.ts';
import { LANGUAGES } from '../../../shared/i18n/languages.ts';
import { isCommonPassword } from '../../../shared/security/common-passwords.ts';

export const PASSWORD_MIN_LENGTH = 8;
const PASSWORD_MAX_LENGTH = 128;

// Passwords are taken as typed: no trimming, case-sensitive.
const password = (label: string) => textField(label, { max: PASSWORD_MAX_LENGTH, trim: false });

const newPassword = textField('fields.new_password', { max: PASSWORD_MAX_LENGTH, trim: false })
  .refine((value) => value.length >= PASSWORD_MIN_LENGTH, {
    error: () => translate('form_problems.password_too_short', { min: PASSWORD_MIN_LENGTH }),
  })
  // The same list Passport refuses: an administrator's password guards a whole company.
  .refine((value) => value.length < PASSWORD_MIN_LENGTH || !isCommonPassword(value), {
    error: () => translate('form_problems.password_common'),
  });

/** The retype must match; said next to the retype field. */
function retyped<Shape extends z.ZodRawShape>(shape: Shape, first: string) {
  return z.object(shape).superRefine((form, context) => {
    const values = form as Record<string, unknown>;
    if (typeof values[first] === 'string' && values.retype_password !== values[first]) {
      context.addIssue({
        code: 'custom',
        path: ['retype_password'],
        message: translate('form_problems.passwords_differ'),
      });
    }
  });
}

export const signInForm = z.object({
  user_name: textField('fields.user_name', { max: 254 }).transform((value) => value.toLowerCase()),
  password: password('fields.password'),
});

/** The current password is named as its field is: the temporary one at the forced change. */
export function changePasswordForm(temporary: boolean) {
  return retyped(
    {
      current_password: password(temporary ? 'fields.temporary_password' : 'fields.current_password'),
      new_password: newPassword,
      retype_password: password('fields.retype_password'),
    },
    'new_password',
  );
}

// The part before @: the tenant's domain follows it. Lower-case, like every user name.
const localPart = textField('fields.user_name', { max: 64 })
  .transform((value) => value.toLowerCase())
  .refine((value) => /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/.test(value) && !value.includes('..'), {
    error: () => translate('form_problems.user_name_format'),
  });

const optionalEmail = z.union([z.literal('').transform(() => null), emailField('fields.contact_email')]);

const displayName = textField('fields.display_name', { max: 100 });

export const ownAdministratorForm = retyped(
  {
    user_name: localPart,
    display_name: displayName,
    contact_email: optionalEmail,
    new_password: newPassword,
    retype_password: password('fields.retype_password'),
  },
  'new_password',
);

export const ROLES = ['admin', 'user'] as const;

export const newUserForm = z.object({
  user_name: localPart,
  display_name: displayName,
  contact_email: optionalEmail,
  role: z.enum(ROLES, { error: () => translate('form_problems.choose_role') }),
});

/** Zones the runtime knows, so a stored zone always formats. */
export const TIME_ZONES: readonly string[] = [
  'UTC',
  ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC'),
];

export const settingsForm = z.object({
  company_name: textField('fields.company_name', { max: 100 }),
  contact_email: optionalEmail,
  language: z.enum(LANGUAGES, { error: () => translate('form_problems.choose_language') }),
  time_zone: z
    .string({ error: () => translate('form_problems.choose_time_zone') })
    .refine((zone) => TIME_ZONES.includes(zone), {
      error: () => translate('form_problems.choose_time_zone'),
    }),
});

export const serviceForm = z.object({
  enabled: z.enum(['yes', 'no'], { error: () => translate('form.unexpected_value') }),
});

/** An id in an address; anything else names nobody. */
export const recordId = z.string().regex(/^[\w-]{1,64}$/);
export const serviceKey = z.string().regex(/^[a-z_]{1,64}$/);
