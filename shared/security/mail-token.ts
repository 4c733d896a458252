import { createHash, randomBytes } from 'node:crypto';

/** A mailed token: 32 random bytes for the link, only the SHA-256 for the store. */
export function newMailToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashMailToken(token) };
}

export function hashMailToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function looksLikeMailToken(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}
