import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningIdp, startIdp } from '../../idp/server.ts';
import { startDevMailbox } from '../../shared/mail/dev-mailbox.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { startForwarder } from '../helpers/balancer.ts';
import { HttpSession } from '../helpers/http-session.ts';
import type { TestIdp } from '../helpers/idp.ts';
import { createMailbox } from '../helpers/mailbox.ts';
import { authorizationRequest, discover, REDIRECT_URI } from '../helpers/oidc-client.ts';
import { freePort } from '../helpers/ports.ts';
import { createPostgresDatabase } from '../helpers/postgres.ts';
import { suiteRedisSettings } from '../helpers/redis.ts';

const SECRET = 'scale-out-client-secret-0123456789-abcdef';

/**
 * Two copies of the IdP behind one issuer URL, on one PostgreSQL: every piece
 * of state (keys, cookie keys, interactions, sessions, codes, tokens) lives in
 * the store, so any copy can carry on a flow another one began.
 */
describe('two IdP copies on one PostgreSQL', () => {
  let first: RunningIdp;
  let second: RunningIdp;
  let secondUrl: string;
  let person: TestPerson;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    const postgres = await createPostgresDatabase();
    const mailServer = await startDevMailbox({ smtpPort: 0, httpPort: 0 });
    const dataDir = await mkdtemp(path.join(tmpdir(), 'passport-scale-'));
    cleanups.push(postgres.drop, mailServer.close, () => rm(dataDir, { recursive: true, force: true }));
    const redis = suiteRedisSettings();
    if (redis) cleanups.push(redis.forget);
    const issuerPort = await freePort();
    const secondPort = await freePort();
    const env = {
      DATA_DIR: dataDir,
      IDP_ISSUER: `http://localhost:${issuerPort}`,
      IDP_DATABASE_URL: postgres.url,
      SMTP_URL: `smtp://127.0.0.1:${mailServer.smtpPort}`,
      LOG_LEVEL: 'silent',
      ...redis?.env,
    };
    const clients = [
      { client_id: 'site', client_secret: SECRET, first_party: true, redirect_uris: [REDIRECT_URI] },
    ];
    first = await startIdp({ env, clients, logger: false, botCheckDifficulty: 1000 });
    second = await startIdp({ env: { ...env, IDP_PORT: String(secondPort) }, clients, logger: false });
    // The test reaches copy two as the balancer would: under the issuer's host.
    const toSecond = await startForwarder(`http://localhost:${secondPort}`, `localhost:${issuerPort}`);
    secondUrl = toSecond.url;
    cleanups.unshift(toSecond.close, second.close, first.close);
    const mailbox = createMailbox(`http://localhost:${mailServer.httpPort}`);
    person = await registerPerson({ issuer: first.url, mailbox } as TestIdp);
  });

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  test('both copies publish the same signing keys', async () => {
    const keysAt = async (base: string) =>
      (await (await fetch(`${base}/jwks`)).json()) as { keys: { kid: string }[] };
    const [one, two] = await Promise.all([keysAt(first.url), keysAt(secondUrl)]);
    expect(two.keys.map((key) => key.kid)).toEqual(one.keys.map((key) => key.kid));
  });

  test('a sign-in begun on one copy is finished and redeemed on the other', async () => {
    const config = await discover(first.url, 'site', SECRET);
    const request = await authorizationRequest(config);
    const browser = new HttpSession();

    // Copy one starts the interaction; copy two checks the password.
    const { url: signInPage } = await browser.follow(request.url);
    expect(signInPage.origin).toBe(first.url);
    const atCallback = (location: URL) => location.href.startsWith(REDIRECT_URI);
    const done = await browser.follow(
      `${secondUrl}${signInPage.pathname}/login`,
      { form: { email: person.email, password: person.password } },
      atCallback,
    );
    const code = done.url.searchParams.get('code');
    expect(code).toBeTruthy();

    // Copy two redeems the code copy one issued, and copy one accepts the token.
    const token = await fetch(`${secondUrl}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`site:${SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code!,
        redirect_uri: REDIRECT_URI,
        code_verifier: request.verifier,
      }).toString(),
    });
    expect(token.status).toBe(200);
    const { access_token: accessToken } = (await token.json()) as { access_token: string };
    const userinfo = await fetch(`${first.url}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(userinfo.status).toBe(200);
    expect(((await userinfo.json()) as { email: string }).email).toBe(person.email);
  });
});
