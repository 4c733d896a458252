import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const commonPasswords: { test(password: string): boolean } = require('fxa-common-password-list');

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

/** Returns why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string, email?: string): string | undefined {
  if ([...password].length < PASSWORD_MIN_LENGTH) {
    return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  }
  if (password.length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  if (commonPasswords.test(password) || commonPasswords.test(password.toLowerCase())) {
    return 'This password is too common. Choose one that is harder to guess.';
  }
  if (email && password.toLowerCase() === email.trim().toLowerCase()) {
    return 'Your password cannot be your e-mail address.';
  }
  return undefined;
}
