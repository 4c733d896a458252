import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';

/** What oidc-provider's cookies sign with: Keygrip's three methods. */
export type CookieSigner = {
  sign(data: string): string;
  verify(data: string, digest: string): boolean;
  index(data: string, digest: string): number;
};

/**
 * Keygrip's signatures (HMAC-SHA1, base64url), so cookies signed before stay
 * valid, at a fraction of its cost: Koa builds a Keygrip for every request,
 * which imports the key for every HMAC, and Keygrip compares with two more
 * HMACs where a constant-time comparison of the two digests does.
 */
export function cookieSigner(keys: readonly string[]): CookieSigner {
  const secrets: KeyObject[] = keys.map((key) => createSecretKey(Buffer.from(key, 'utf8')));
  const digestOf = (data: string, secret: KeyObject) => createHmac('sha1', secret).update(data).digest();

  function index(data: string, digest: string): number {
    const given = Buffer.from(digest, 'base64url');
    // A digest that is not canonical base64url of the right length is no signature of ours.
    if (given.toString('base64url') !== digest) return -1;
    return secrets.findIndex((secret) => {
      const expected = digestOf(data, secret);
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  }

  return {
    sign: (data) => digestOf(data, secrets[0]!).toString('base64url'),
    verify: (data, digest) => index(data, digest) >= 0,
    index,
  };
}
