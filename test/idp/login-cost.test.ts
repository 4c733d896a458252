import { describe, expect, test } from 'vitest';
import { emailKey } from '../../idp/accounts/normalize.ts';
import { registerPerson } from '../helpers/accounts.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { STORES, startTestIdp } from '../helpers/idp.ts';
import { countLoginWrites, totalWrites } from '../helpers/login-writes.ts';
import { discover, REDIRECT_URI, signIn } from '../helpers/oidc-client.ts';
import { storedSessions } from '../helpers/stored-state.ts';

/** Issue 12's bound on the statements that change rows in one full login. */
const MAX_LOGIN_WRITES = 8;
/**
 * A browser's first sign-in to an account writes one row more: the trusted
 * device it becomes (a returning browser's is current already, so not written).
 */
const MAX_FIRST_LOGIN_WRITES = MAX_LOGIN_WRITES + 1;
const MAX_SESSION_BYTES = 2048;

const SECRET = 'login-cost-site-secret-0123456789-abcdef';

/**
 * What a login costs the store: the statements that change rows (authorize,
 * sign-in, code, token and userinfo, counted from the IdP's own query log)
 * and the bytes a session takes, on each database, with and without Redis.
 */
describe.each(STORES)('the cost of a login on %s', (store) => {
  for (const redis of [false, true]) {
    const where = redis ? 'with short-lived state in Redis' : 'with everything in the database';

    test(`a person signing in again on their own browser changes at most ${MAX_LOGIN_WRITES} rows, ${where}`, async () => {
      const writes = await countLoginWrites({ store, redis, browser: 'returning' });
      // The sign-in is on record whatever holds the rest: the activity row is always written.
      expect(writes.get('activity')).toBe(1);
      expect(totalWrites(writes), JSON.stringify([...writes])).toBeLessThanOrEqual(MAX_LOGIN_WRITES);
    });

    test(`a first sign-in on a new browser changes at most ${MAX_FIRST_LOGIN_WRITES} rows, ${where}`, async () => {
      const writes = await countLoginWrites({ store, redis, browser: 'new' });
      expect(writes.get('trusted_devices')).toBe(1);
      expect(totalWrites(writes), JSON.stringify([...writes])).toBeLessThanOrEqual(MAX_FIRST_LOGIN_WRITES);
    });

    test(`a person's first visit to a site writes one row more, the site among those they have used, ${where}`, async () => {
      const writes = await countLoginWrites({ store, redis, browser: 'new', firstVisit: true });
      expect(writes.get('site_uses')).toBe(1);
      expect(totalWrites(writes), JSON.stringify([...writes])).toBeLessThanOrEqual(
        MAX_FIRST_LOGIN_WRITES + 1,
      );
    });

    test(`a stored session takes at most ${MAX_SESSION_BYTES} bytes, ${where}`, async () => {
      const idp = await startTestIdp({
        store,
        redis,
        clients: [
          { client_id: 'site', client_secret: SECRET, first_party: true, redirect_uris: [REDIRECT_URI] },
        ],
      });
      try {
        const person = await registerPerson(idp);
        const config = await discover(idp.issuer, 'site', SECRET);
        await signIn(config, new HttpSession(), person, { remember: true });
        const { id } = await idp.db
          .selectFrom('accounts')
          .select('id')
          .where('email_key', '=', emailKey(person.email))
          .executeTakeFirstOrThrow();
        const sessions = await storedSessions(idp, id);
        expect(sessions).toHaveLength(1);
        const bytes = Buffer.byteLength(JSON.stringify(sessions[0]!.payload));
        expect(bytes).toBeGreaterThan(0);
        expect(bytes).toBeLessThanOrEqual(MAX_SESSION_BYTES);
      } finally {
        await idp.close();
      }
    });
  }
});
