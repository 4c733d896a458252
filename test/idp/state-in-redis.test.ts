import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { emailKey } from '../../idp/accounts/normalize.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { countLoginWrites, totalWrites } from '../helpers/login-writes.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { discover, oidc, REDIRECT_URI, signIn } from '../helpers/oidc-client.ts';
import { REDIS_URL } from '../helpers/redis.ts';
import { storedSessions } from '../helpers/stored-state.ts';

const SECRET = 'redis-state-site-secret-0123456789-abcdef';
const SHORT_LIVED_TABLES = ['oidc_models', 'throttle_counters', 'botcheck_spent'];

/**
 * With REDIS_URL set, short-lived state lives in Redis and only there, and
 * everything the IdP does with it (ending sessions, counting) still holds.
 * These run on Redis whatever store the rest of the suite uses.
 */
describe('short-lived state in Redis, long-lived data in PostgreSQL', () => {
  let idp: TestIdp;
  let config: oidc.Configuration;
  let redis: Redis;

  beforeAll(async () => {
    idp = await startTestIdp({
      store: 'postgres',
      redis: true,
      clients: [
        {
          client_id: 'site',
          client_secret: SECRET,
          first_party: true,
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token'],
        },
      ],
    });
    config = await discover(idp.issuer, 'site', SECRET);
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await redis?.quit();
    await idp?.close();
  });

  async function accountIdOf(person: TestPerson) {
    const row = await idp.db
      .selectFrom('accounts')
      .select('id')
      .where('email_key', '=', emailKey(person.email))
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async function redisKinds(): Promise<Set<string>> {
    const prefix = idp.config.redis!.keyPrefix;
    const keys = await redis.keys(`${prefix}*`);
    return new Set(keys.map((key) => key.slice(prefix.length).split(':')[0]!));
  }

  async function signedInWithRefreshToken(person: TestPerson) {
    const browser = new HttpSession();
    const tokens = await signIn(config, browser, person, {
      params: { scope: 'openid offline_access', prompt: 'consent' },
    });
    expect(tokens.refresh_token).toBeDefined();
    return { browser, refreshToken: tokens.refresh_token! };
  }

  test('a sign-in keeps its session, grant, code and tokens in Redis and none of them in the database', async () => {
    const person = await registerPerson(idp);
    await signedInWithRefreshToken(person);

    const kinds = await redisKinds();
    for (const kind of ['Session', 'Grant', 'AuthorizationCode', 'AccessToken', 'RefreshToken', 'counter']) {
      expect(kinds, kind).toContain(kind);
    }
    const rows = await idp.db
      .selectFrom('oidc_models')
      .select('kind')
      .where('kind', '!=', 'Client')
      .execute();
    expect(rows).toEqual([]);
    expect(await idp.db.selectFrom('throttle_counters').selectAll().execute()).toEqual([]);
    expect(await storedSessions(idp, await accountIdOf(person))).toHaveLength(1);
  });

  test('a password reset by mailed link ends every session and refresh token kept in Redis', async () => {
    const person = await registerPerson(idp);
    const first = await signedInWithRefreshToken(person);
    await signedInWithRefreshToken(person);
    const accountId = await accountIdOf(person);
    expect(await storedSessions(idp, accountId)).toHaveLength(2);

    await new HttpSession().request(`${idp.issuer}/password/reset/email`, { form: { email: person.email } });
    const mail = await idp.mailbox.waitFor(person.email, { subject: /Reset your Passport password/ });
    const link = firstLink(mail, `${idp.issuer}/password/reset/link/`);
    const password = 'Brand-New-Password-7';
    const done = await fetch(link, {
      method: 'POST',
      body: new URLSearchParams({ password, password2: password }),
    });
    expect(done.status).toBe(200);

    expect(await storedSessions(idp, accountId)).toEqual([]);
    await expect(oidc.refreshTokenGrant(config, first.refreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // The browser that was signed in is asked to sign in again.
    const again = await first.browser.request(`${idp.issuer}/account`);
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).not.toMatch(/^\/account/);
  });

  test('reset links are counted in Redis: of twelve requests at once, five are mailed', async () => {
    const person = await registerPerson(idp);
    await Promise.all(
      Array.from({ length: 12 }, () =>
        new HttpSession().request(`${idp.issuer}/password/reset/email`, { form: { email: person.email } }),
      ),
    );
    const mailed = await idp.db
      .selectFrom('outbox')
      .select('id')
      .where('recipient', '=', person.email)
      .where('subject', 'like', 'Reset your Passport password%')
      .execute();
    expect(mailed).toHaveLength(5);
    expect(await idp.db.selectFrom('throttle_counters').selectAll().execute()).toEqual([]);
  });
});

describe('database writes per full login (authorize, sign-in, code, token, userinfo)', () => {
  test('with Redis the database takes no short-lived writes; without it, it takes them all', async () => {
    const withoutRedis = await countLoginWrites({ store: 'postgres', redis: false });
    const withRedis = await countLoginWrites({ store: 'postgres', redis: true });

    expect(withoutRedis.get('oidc_models')).toBeGreaterThan(0);
    for (const table of SHORT_LIVED_TABLES) expect(withRedis.get(table) ?? 0, table).toBe(0);
    expect(totalWrites(withRedis)).toBeLessThan(totalWrites(withoutRedis));
  });
});
