import { randomInt } from 'node:crypto';

// No 0/O, 1/l/I: read off a screen or a printout and typed again without doubt.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
const LENGTH = 14;

/** A temporary password: 14 characters from 56, about 81 bits. */
export function newTemporaryPassword(): string {
  let password = '';
  for (let i = 0; i < LENGTH; i++) password += ALPHABET[randomInt(ALPHABET.length)];
  return password;
}
