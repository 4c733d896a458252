import { translate } from '../../shared/i18n/context.ts';
import { isCommonPassword } from '../../shared/security/common-passwords.ts';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

/** Returns why a new password is refused (in the request's language), or undefined when it is acceptable. */
export function passwordProblem(password: string, email?: string): string | undefined {
  if ([...password].length < PASSWORD_MIN_LENGTH) {
    return translate('form_errors.min_length', { min: PASSWORD_MIN_LENGTH });
  }
  if (password.length > PASSWORD_MAX_LENGTH)
    return translate('form_errors.max_length', { max: PASSWORD_MAX_LENGTH });
  if (isCommonPassword(password)) {
    return translate('form_errors.password_common');
  }
  if (email && password.toLowerCase() === email.trim().toLowerCase()) {
    return translate('form_errors.password_is_email');
  }
  return undefined;
}
