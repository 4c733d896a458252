import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningIdp, startIdp } from '../../idp/server.ts';
import { startDevMailbox } from '../../shared/mail/dev-mailbox.ts';
import { registerPerson } from '../helpers/accounts.ts';
import { startForwarder } from '../helpers/balancer.ts';
import { HttpSession } from '../helpers/http-session.ts';
import type { TestIdp } from '../helpers/idp.ts';
import { createMailbox } from '../helpers/mailbox.ts';
import { authorizationRequest, discover, REDIRECT_URI } from '../helpers/oidc-client.ts';
import { freePort } from '../helpers/ports.ts';
import { createPostgresDatabase } from '../helpers/postgres.ts';
import { redisSettings } from '../helpers/redis.ts';

const SECRET = 'spend-once-client-secret-0123456789-abcdef';
const ROUNDS = 20;

type TokenAnswer = {
  status: number;
  body: { error?: string; access_token?: string; refresh_token?: string };
};

/**
 * Two IdP copies on one PostgreSQL (SQLite would serialise the race away), with
 * codes and tokens in the database or in one Redis: a code or a refresh token
 * sent to both at once is spent by exactly one of them.
 */
describe.each([
  { store: 'PostgreSQL', redis: false },
  { store: 'Redis', redis: true },
])('codes and refresh tokens are spent once, across two copies on $store', ({ redis }) => {
  let first: RunningIdp;
  let secondUrl: string;
  let browser: HttpSession;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    const postgres = await createPostgresDatabase();
    const mailServer = await startDevMailbox({ smtpPort: 0, httpPort: 0 });
    const dataDir = await mkdtemp(path.join(tmpdir(), 'passport-spend-'));
    cleanups.push(postgres.drop, mailServer.close, () => rm(dataDir, { recursive: true, force: true }));
    const issuerPort = await freePort();
    const secondPort = await freePort();
    const shortLived = redis ? redisSettings() : undefined;
    if (shortLived) cleanups.push(shortLived.forget);
    const env = {
      DATA_DIR: dataDir,
      IDP_ISSUER: `http://localhost:${issuerPort}`,
      IDP_DATABASE_URL: postgres.url,
      SMTP_URL: `smtp://127.0.0.1:${mailServer.smtpPort}`,
      LOG_LEVEL: 'silent',
      ...shortLived?.env,
    };
    const clients = [
      {
        client_id: 'site',
        client_secret: SECRET,
        first_party: true,
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
      },
    ];
    first = await startIdp({ env, clients, logger: false, botCheckDifficulty: 1000 });
    const second = await startIdp({ env: { ...env, IDP_PORT: String(secondPort) }, clients, logger: false });
    // The test reaches copy two as the balancer would: under the issuer's host.
    const toSecond = await startForwarder(`http://localhost:${secondPort}`, `localhost:${issuerPort}`);
    secondUrl = toSecond.url;
    cleanups.unshift(toSecond.close, second.close, first.close);
    const mailbox = createMailbox(`http://localhost:${mailServer.httpPort}`);
    const person = await registerPerson({ issuer: first.url, mailbox } as TestIdp);

    browser = new HttpSession();
    const config = await discover(first.url, 'site', SECRET);
    const { url } = await authorizationRequest(config);
    const { url: signInPage } = await browser.follow(url);
    await browser.follow(
      `${signInPage.origin}${signInPage.pathname}/login`,
      { form: { email: person.email, password: person.password } },
      atCallback,
    );
  });

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  function atCallback(location: URL) {
    return location.href.startsWith(REDIRECT_URI);
  }

  /** A fresh code for the signed-in browser (first-party: no consent page). */
  async function freshCode(params: Record<string, string> = {}) {
    const config = await discover(first.url, 'site', SECRET);
    const request = await authorizationRequest(config, params);
    let step = await browser.follow(request.url, {}, atCallback);
    if (!atCallback(step.url) && step.url.pathname.startsWith('/interaction/')) {
      step = await browser.follow(
        `${step.url.origin}${step.url.pathname}/confirm`,
        { method: 'POST' },
        atCallback,
      );
    }
    const code = step.url.searchParams.get('code');
    if (!code) throw new Error(`no code at ${step.url.href}`);
    return { code, verifier: request.verifier };
  }

  async function token(base: string, params: Record<string, string>): Promise<TokenAnswer> {
    const response = await fetch(`${base}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`site:${SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams(params).toString(),
    });
    return { status: response.status, body: (await response.json()) as TokenAnswer['body'] };
  }

  function redeemCode(base: string, code: { code: string; verifier: string }) {
    return token(base, {
      grant_type: 'authorization_code',
      code: code.code,
      redirect_uri: REDIRECT_URI,
      code_verifier: code.verifier,
    });
  }

  test('two concurrent redemptions of one code give one token set, the other is refused', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const code = await freshCode();
      const answers = await Promise.all([redeemCode(first.url, code), redeemCode(secondUrl, code)]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
      expect(answers.find((answer) => answer.status === 400)!.body.error).toBe('invalid_grant');
    }
  });

  test('two concurrent refreshes with one refresh token give one new token set, the other is refused', async () => {
    for (let round = 0; round < ROUNDS / 2; round++) {
      const code = await freshCode({ scope: 'openid offline_access', prompt: 'consent' });
      const issued = await redeemCode(first.url, code);
      expect(issued.body.refresh_token).toBeDefined();
      const refresh = { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token! };
      const answers = await Promise.all([token(first.url, refresh), token(secondUrl, refresh)]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
      expect(answers.find((answer) => answer.status === 400)!.body.error).toBe('invalid_grant');
    }
  });

  test('a code used twice revokes the tokens it gave (RFC 6749, 4.1.2)', async () => {
    const code = await freshCode();
    const issued = await redeemCode(first.url, code);
    expect(issued.status).toBe(200);
    const reused = await redeemCode(secondUrl, code);
    expect(reused.status).toBe(400);
    const userinfo = await fetch(`${first.url}/me`, {
      headers: { authorization: `Bearer ${issued.body.access_token}` },
    });
    expect(userinfo.status).toBe(401);
  });
});
