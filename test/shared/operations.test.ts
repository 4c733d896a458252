import http from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ACR_STRONG } from '../../idp/oidc/acr.ts';
import { SECURITY_KEY_QUESTIONS } from '../../idp/security-key/forms.ts';
import { loadIdpConfig } from '../../shared/config/idp.ts';
import { loadRelyingPartyConfig } from '../../shared/config/relying-party.ts';
import { startDevMailbox } from '../../shared/mail/dev-mailbox.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { addOrganization, addProfile, startIdpAndExtranet } from '../helpers/extranet-flow.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { discover, REDIRECT_URI, signIn } from '../helpers/oidc-client.ts';
import { freePort } from '../helpers/ports.ts';
import { EXTRANET_SECRET } from '../helpers/relying-party.ts';

/** A request with a Host that fetch would not send: a load balancer's probe names its own. */
function probe(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { host } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
}

/** The value of one sample in a Prometheus text page, or undefined when it is not there. */
function sample(page: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of page.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1], pair[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return undefined;
}

const KEY = 'harbour-lantern-42';
const DOWN_SITE_SECRET = 'down-site-secret-0123456789-0123456789';
const ANSWERS = ['Rex the Dog', 'Lisbon', 'Mrs Smith'];

const interactionPath = (url: URL) => /^\/interaction\/[^/]+$/.test(url.pathname);

describe('operations: probes and metrics', () => {
  let services: Awaited<ReturnType<typeof startIdpAndExtranet>>;
  let person: TestPerson;

  beforeAll(async () => {
    services = await startIdpAndExtranet({
      store: 'postgres',
      idpEnv: { IDP_METRICS_PORT: '0' },
      env: { RP_METRICS_PORT: '0', RP_REQUIRED_ACR: ACR_STRONG },
    });
    person = await registerPerson(services.idp);
  });
  afterAll(async () => services?.close());

  test.each([
    ['Passport', () => services.idp.url, () => Boolean(services.idp.config.redis)],
    ['the extranet', () => services.extranet.url, () => false],
  ])('%s answers /healthz and /readyz to a probe naming any host', async (_name, url, onRedis) => {
    const health = await probe(`${url()}/healthz`, '10.1.2.3:8080');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
    const ready = await probe(`${url()}/readyz`, 'probe.internal');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'ok', ...(onRedis() ? { redis: 'ok' } : {}) },
    });
  });

  test('any other page still refuses a foreign host', async () => {
    expect((await probe(`${services.idp.url}/`, 'probe.internal')).status).toBe(421);
  });

  test.each([
    ['Passport', () => services.idp.url],
    ['the extranet', () => services.extranet.url],
  ])('%s does not show its metrics on the public port', async (_name, url) => {
    expect((await fetch(`${url()}/metrics`)).status).toBe(404);
  });

  test('a migration the store has not run makes a service not ready', async () => {
    const { db } = services.extranet;
    const last = await db
      .selectFrom('kysely_migration' as never)
      .select('name' as never)
      .orderBy('name' as never, 'desc')
      .executeTakeFirstOrThrow();
    const name = (last as { name: string }).name;
    await db
      .deleteFrom('kysely_migration' as never)
      .where('name' as never, '=', name as never)
      .execute();
    try {
      const ready = await fetch(`${services.extranet.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({
        status: 'not ready',
        checks: { database: 'ok', migrations: 'failed' },
      });
    } finally {
      await db
        .insertInto('kysely_migration' as never)
        .values({ name, timestamp: new Date().toISOString() } as never)
        .execute();
    }
    expect((await fetch(`${services.extranet.url}/readyz`)).status).toBe(200);
  });

  test('the metrics page shows each counter after a sign-in', async () => {
    const { idp, extranet, mailbox } = services;
    const organizationId = await addOrganization(extranet.db, { name: 'Metrics Contoso' });
    await addProfile(extranet.db, { organizationId, name: 'Ada Lovelace', email: person.email });

    // Someone guesses at an address without an account until the guard holds them back.
    const guesser = new HttpSession();
    const guess = await guesser.follow(`${extranet.url}/auth/sign-in`);
    expect(interactionPath(guess.url)).toBe(true);
    let answer = 0;
    for (let tries = 0; tries < 6 && answer !== 429; tries++) {
      const refused = await guesser.request(`${guess.url.href}/login`, {
        form: { email: 'nobody@example.test', password: 'a wrong guess' },
      });
      answer = refused.status;
    }
    expect(answer).toBe(429);

    // The person mistypes the password once, then signs in to the extranet, which asks for
    // the strong level: they set up a security key, mistype it once, then type it.
    const browser = new HttpSession();
    const start = await browser.follow(`${extranet.url}/auth/sign-in`);
    expect(interactionPath(start.url)).toBe(true);
    const mistyped = await browser.request(`${start.url.href}/login`, {
      form: { email: person.email, password: 'not the password' },
    });
    expect(mistyped.status).toBe(401);
    const setUp = await browser.follow(`${start.url.href}/login`, {
      form: { email: person.email, password: person.password },
    });
    // The password done, oidc-provider asks for the key in an interaction of its own.
    expect(setUp.url.pathname).toMatch(/^\/interaction\/[^/]+\/security-key\/set-up$/);
    const keyStep = setUp.url.href.replace(/\/set-up$/, '');
    const questions = SECURITY_KEY_QUESTIONS.slice(0, 3);
    await browser.follow(`${keyStep}/set-up`, {
      form: {
        key: KEY,
        key2: KEY,
        ...Object.fromEntries(questions.map((question, i) => [`question${i + 1}`, question])),
        ...Object.fromEntries(ANSWERS.map((answer, i) => [`answer${i + 1}`, answer])),
      },
    });
    const keyPage = await browser.follow(`${keyStep}/confirm`, {
      form: Object.fromEntries(ANSWERS.map((answer, i) => [`answer${i + 1}`, answer])),
    });
    expect(`${keyPage.url.origin}${keyPage.url.pathname}`).toBe(keyStep);
    const wrongKey = await browser.request(keyStep, {
      form: { key: 'not-the-key-at-all' },
    });
    expect(wrongKey.status).toBe(401);
    const signedIn = await browser.follow(keyStep, { form: { key: KEY } });
    expect(signedIn.url.pathname).toBe('/associate');

    // They ask for the association mail.
    const asked = new Date();
    expect(
      (await browser.request(`${extranet.url}/associate`, { form: { email: person.email } })).status,
    ).toBe(200);
    await mailbox.waitFor(person.email, { subject: /Associate your Passport/, after: asked });

    // A site presents a code nobody issued.
    const forged = await fetch(`${idp.url}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`customersource:${EXTRANET_SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: 'a-code-nobody-issued',
        redirect_uri: `${extranet.url}/auth/callback`,
        code_verifier: 'v'.repeat(43),
      }),
    });
    expect(forged.status).toBe(400);

    // They sign out on Passport's own page: Passport tells the extranet over the back channel.
    const page = await (await browser.request(`${idp.url}/session/end`)).text();
    const action = /<form[^>]*action="([^"]+)"/.exec(page)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)![1]!;
    await browser.follow(new URL(action.replace(/&amp;/g, '&')), { form: { xsrf, logout: 'yes' } });

    const idpMetrics = await (await fetch(idp.metrics!.url)).text();
    const extranetMetrics = await (await fetch(extranet.metrics!.url)).text();

    expect(sample(idpMetrics, 'idp_sign_ins_total', { step: 'password' })).toBe(1);
    expect(sample(idpMetrics, 'idp_sign_ins_total', { step: 'security_key' })).toBe(1);
    expect(
      sample(idpMetrics, 'idp_sign_in_failures_total', {
        step: 'security_key',
        reason: 'invalid_credentials',
      }),
    ).toBe(1);
    expect(
      sample(idpMetrics, 'idp_sign_in_failures_total', { step: 'password', reason: 'invalid_credentials' }),
    ).toBeGreaterThanOrEqual(6);
    expect(
      sample(idpMetrics, 'throttle_hits_total', { service: 'idp', limit: 'password', answer: 'wait' }),
    ).toBe(1);
    expect(sample(idpMetrics, 'idp_sign_in_failures_total', { step: 'password', reason: 'throttled' })).toBe(
      1,
    );
    expect(
      sample(idpMetrics, 'idp_tokens_issued_total', { grant: 'authorization_code' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(idpMetrics, 'idp_oidc_errors_total', { event: 'grant.error', error: 'invalid_grant' }),
    ).toBe(1);
    expect(sample(idpMetrics, 'idp_backchannel_logout_tries_total', { outcome: 'delivered' })).toBe(1);
    expect(
      sample(idpMetrics, 'http_requests_total', {
        service: 'idp',
        method: 'POST',
        route: '/interaction/:uid/login',
        status: '303',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(idpMetrics, 'http_request_duration_seconds_count', {
        service: 'idp',
        method: 'GET',
        route: '/auth/*',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(idpMetrics, 'outbox_backlog', { service: 'idp' })).toBeGreaterThanOrEqual(0);
    expect(sample(idpMetrics, 'outbox_oldest_age_seconds', { service: 'idp' })).toBeGreaterThanOrEqual(0);

    expect(sample(extranetMetrics, 'extranet_association_mails_total', { kind: 'association' })).toBe(1);
    expect(
      sample(extranetMetrics, 'http_requests_total', {
        service: 'extranet',
        method: 'GET',
        route: '/auth/callback',
        status: '303',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(extranetMetrics, 'outbox_backlog', { service: 'extranet' })).toBeGreaterThanOrEqual(0);
    expect(
      sample(extranetMetrics, 'outbox_oldest_age_seconds', { service: 'extranet' }),
    ).toBeGreaterThanOrEqual(0);
    expect(
      sample(extranetMetrics, 'db_pool_connections', { service: 'extranet', state: 'total' }),
    ).toBeGreaterThan(0);
    expect(
      sample(extranetMetrics, 'db_pool_connections', { service: 'extranet', state: 'waiting' }),
    ).toBeGreaterThanOrEqual(0);

    // Labels are route patterns: no interaction id, address or code reaches a metric.
    const uid = start.url.pathname.split('/')[2]!;
    for (const secret of [uid, person.email, 'a-code-nobody-issued', 'nobody@example.test']) {
      expect(idpMetrics).not.toContain(secret);
      expect(extranetMetrics).not.toContain(secret);
    }
  });
});

describe('a site that misses its back-channel logout', () => {
  let idp: TestIdp;
  const lines: string[] = [];

  beforeAll(async () => {
    // Nothing listens there: the site is down when Passport tells it of the sign-out.
    const downPort = await freePort();
    idp = await startTestIdp({
      clients: [
        {
          client_id: 'down-site',
          client_secret: DOWN_SITE_SECRET,
          first_party: true,
          redirect_uris: [REDIRECT_URI],
          backchannel_logout_uri: `http://127.0.0.1:${downPort}/backchannel-logout`,
          backchannel_logout_session_required: true,
        },
      ],
      env: { IDP_METRICS_PORT: '0' },
      logger: {
        level: 'info',
        stream: new Writable({
          write(chunk, _encoding, done) {
            lines.push(String(chunk));
            done();
          },
        }),
      },
    });
  });
  afterAll(async () => idp?.close());

  test('is logged with its cause and counted as failed', async () => {
    const person = await registerPerson(idp);
    const browser = new HttpSession();
    await signIn(await discover(idp.issuer, 'down-site', DOWN_SITE_SECRET), browser, person);
    const page = await (await browser.request(`${idp.url}/session/end`)).text();
    const action = /<form[^>]*action="([^"]+)"/.exec(page)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)![1]!;
    await browser.follow(new URL(action.replace(/&amp;/g, '&')), { form: { xsrf, logout: 'yes' } });

    // The sign-out answers after the first try: by then it is logged and counted, and queued again.
    const entry = lines
      .map((line) => JSON.parse(line))
      .find((logged) => logged.msg === 'back-channel logout not delivered, will retry');
    expect(entry).toMatchObject({ level: 40, clientId: 'down-site', attempts: 1 });
    expect(entry.reason).toBeTruthy();
    const metrics = await (await fetch(idp.metrics!.url)).text();
    expect(sample(metrics, 'idp_backchannel_logout_tries_total', { outcome: 'failed' })).toBe(1);
  });
});

test('the dev mailbox answers /healthz, and /readyz while it takes mail', async () => {
  const devMailbox = await startDevMailbox({ smtpPort: 0, httpPort: 0 });
  try {
    const base = `http://localhost:${devMailbox.httpPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { smtp: 'ok' } });
  } finally {
    await devMailbox.close();
  }
});

describe('operations settings', () => {
  test('database timeouts default to 5 s to connect, 10 s a statement, 30 s idle; no metrics listener', () => {
    for (const config of [loadIdpConfig({}), loadRelyingPartyConfig({})]) {
      expect(config.databaseTimeouts).toEqual({ connectMs: 5_000, statementMs: 10_000, idleMs: 30_000 });
      expect(config.metricsPort).toBeUndefined();
    }
  });

  test.each([
    ['DATABASE_CONNECT_TIMEOUT_MS', 'soon'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '0'],
    ['DATABASE_IDLE_TIMEOUT_MS', '-1'],
    ['IDP_METRICS_PORT', '70000'],
  ])('a bad %s names the variable', (variable, value) => {
    expect(() => loadIdpConfig({ [variable]: value })).toThrow(
      new RegExp(`^Invalid configuration: ${variable}: `),
    );
  });

  test('metrics cannot be put on the public port', () => {
    expect(() => loadIdpConfig({ IDP_METRICS_PORT: '4000' })).toThrow(
      /^Invalid configuration: IDP_METRICS_PORT: must not be the public port 4000$/,
    );
    expect(() => loadRelyingPartyConfig({ RP_PORT: '8080', RP_METRICS_PORT: '8080' })).toThrow(
      /^Invalid configuration: RP_METRICS_PORT: /,
    );
    expect(loadIdpConfig({ IDP_METRICS_PORT: '9464' }).metricsPort).toBe(9464);
  });
});
