import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const commonPasswords: { test(password: string): boolean } = require('fxa-common-password-list');

/** Among the 50,000 most common passwords (Mozilla's list), in any letter case. */
export function isCommonPassword(password: string): boolean {
  return commonPasswords.test(password) || commonPasswords.test(password.toLowerCase());
}
