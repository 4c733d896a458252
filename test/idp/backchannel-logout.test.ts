import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { startLogoutWorker } from '../../idp/backchannel/worker.ts';
import { ACR_PASSWORD } from '../../idp/oidc/acr.ts';
import { endSessions } from '../../idp/oidc/end-sessions.ts';
import { backchannelLogoutTries } from '../../shared/observability/metrics.ts';
import type { RetrySchedule } from '../../shared/queue/retry-schedule.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { HttpSession, inputValue } from '../helpers/http-session.ts';
import { STORES, startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { startLogoutReceiver } from '../helpers/logout-receiver.ts';
import { discover, oidc, REDIRECT_URI, signIn } from '../helpers/oidc-client.ts';
import { reserveExtranet, startTestExtranet } from '../helpers/relying-party.ts';

const SECRET = 'a-long-client-secret-for-the-extranet-site';
const SIGNED_OUT = 'http://127.0.0.1:9/signed-out';
// The real schedule is proved in retry-schedule.test.ts; here a minute is 100 ms.
const QUICK: RetrySchedule = { baseDelayMs: 10, boundedDelayMs: 100, boundedForMs: 1000, maxDelayMs: 200 };
const POLL = { timeout: 15_000, interval: 20 };
// Tests drive delivery with deliverDue(); the poll must never race them.
const NEVER = 3_600_000;

type Receiver = Awaited<ReturnType<typeof startLogoutReceiver>>;

function extranet(receiver: Receiver) {
  return {
    client_id: 'extranet',
    client_secret: SECRET,
    client_name: 'Extranet',
    first_party: true,
    redirect_uris: [REDIRECT_URI],
    post_logout_redirect_uris: [SIGNED_OUT],
    grant_types: ['authorization_code', 'refresh_token'],
    backchannel_logout_uri: receiver.url,
    backchannel_logout_session_required: true,
  };
}

function capturedLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: { level: 'info', stream }, entries: () => lines.map((line) => JSON.parse(line)) };
}

/** Signs the person in to the extranet, then out of Passport and all sites; returns the ID token's claims. */
async function signInThenOut(idp: TestIdp, person: TestPerson) {
  const config = await discover(idp.issuer, 'extranet', SECRET);
  const browser = new HttpSession();
  const tokens = await signIn(config, browser, person);
  const page = await browser.request(
    oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: SIGNED_OUT,
    }),
  );
  const html = await page.text();
  const action = /<form[^>]*action="([^"]+)"/.exec(html)![1]!;
  const done = await browser.request(new URL(action.replace(/&amp;/g, '&'), idp.issuer), {
    form: { xsrf: inputValue(html, 'xsrf')!, logout: 'yes' },
  });
  expect(done.status).toBe(303);
  return { claims: tokens.claims()!, jwksUri: config.serverMetadata().jwks_uri! };
}

async function givenUpCount(): Promise<number> {
  const { values } = await backchannelLogoutTries.get();
  return values.find((value) => value.labels.outcome === 'given_up')?.value ?? 0;
}

describe.each(STORES)('back-channel logout on %s', (store) => {
  let receiver: Receiver;
  let idp: TestIdp;
  let person: TestPerson;

  beforeAll(async () => {
    receiver = await startLogoutReceiver();
    idp = await startTestIdp({ store, clients: [extranet(receiver)], retrySchedule: QUICK });
    person = await registerPerson(idp);
  });

  afterAll(async () => {
    await idp?.close();
    await receiver?.close();
  });

  test('a site that is down when the person signs out still receives the logout when it comes back', async () => {
    await receiver.stop();
    const seen = receiver.tokens.length;
    const { claims, jwksUri } = await signInThenOut(idp, person);

    // The site stays down through several tries: the logout is kept, not dropped.
    await vi.waitFor(async () => {
      const rows = await idp.db.selectFrom('backchannel_logouts').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]!.attempts).toBeGreaterThanOrEqual(3);
      expect(rows[0]!.delivered_at).toBeNull();
      expect(rows[0]!.last_error).toMatch(/ECONNREFUSED/);
    }, POLL);
    await receiver.restart();

    const logoutToken = await receiver.next(seen);
    // Signed at the try that reached the site, so it passes the extranet's "recent iat" check.
    const { payload } = await jwtVerify(logoutToken, createRemoteJWKSet(new URL(jwksUri)), {
      issuer: idp.issuer,
      audience: 'extranet',
      typ: 'logout+jwt',
      maxTokenAge: '2m',
    });
    expect(payload.sub).toBe(claims.sub);
    expect(payload.sid).toBe(claims.sid);
    await vi.waitFor(async () => {
      const row = await idp.db.selectFrom('backchannel_logouts').selectAll().executeTakeFirstOrThrow();
      expect(row.delivered_at).toBeTypeOf('number');
      expect(row.claimed_until).toBeNull();
    }, POLL);
    expect(receiver.tokens).toHaveLength(seen + 1);
    await idp.db.deleteFrom('backchannel_logouts').execute();
  });

  test('ending all sessions (a password reset) queues a logout for each site, delivered despite an outage', async () => {
    const config = await discover(idp.issuer, 'extranet', SECRET);
    const tokens = await signIn(config, new HttpSession(), person);
    const { sub, sid } = tokens.claims()!;
    await receiver.stop();
    const seen = receiver.tokens.length;

    await endSessions(idp.provider, idp.shortLived, sub);

    await vi.waitFor(async () => {
      const row = await idp.db.selectFrom('backchannel_logouts').selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({ client_id: 'extranet', account_id: sub, sid, delivered_at: null });
      expect(row.attempts).toBeGreaterThanOrEqual(2);
    }, POLL);
    await receiver.restart();

    expect(decodeJwt(await receiver.next(seen))).toMatchObject({ sub, sid, aud: 'extranet' });
    await idp.db.deleteFrom('backchannel_logouts').execute();
  });

  test('several copies of the IdP send each queued logout once', async () => {
    await receiver.stop();
    const seen = receiver.tokens.length;
    for (let index = 0; index < 12; index += 1) {
      await idp.provider.Client.find('extranet').then((client) =>
        (
          client as unknown as { backchannelLogout(sub: string, sid: string): Promise<void> }
        ).backchannelLogout(`account-${index}`, `sid-${index}`),
      );
    }
    await vi.waitFor(async () => {
      const rows = await idp.db.selectFrom('backchannel_logouts').select('attempts').execute();
      expect(rows).toHaveLength(12);
      for (const row of rows) expect(row.attempts).toBeGreaterThanOrEqual(1);
    }, POLL);
    const copies = [1, 2, 3].map(() =>
      startLogoutWorker({
        db: idp.db,
        provider: idp.provider,
        log: { info() {}, warn() {}, error() {} },
        maxAttempts: 100,
        retrySchedule: QUICK,
        pollMs: NEVER,
      }),
    );
    await receiver.restart();
    try {
      await vi.waitFor(async () => {
        await Promise.all(copies.map((copy) => copy.deliverDue()));
        const waiting = await idp.db
          .selectFrom('backchannel_logouts')
          .select('id')
          .where('delivered_at', 'is', null)
          .execute();
        expect(waiting).toEqual([]);
      }, POLL);
    } finally {
      await Promise.all(copies.map((copy) => copy.stop()));
    }
    const subjects = receiver.tokens.slice(seen).map((token) => decodeJwt(token).sub);
    expect(subjects.sort()).toEqual(Array.from({ length: 12 }, (_, index) => `account-${index}`).sort());
    await idp.db.deleteFrom('backchannel_logouts').execute();
  });
});

describe('a back-channel logout that never gets through', () => {
  let receiver: Receiver;
  let idp: TestIdp;
  const log = capturedLog();

  beforeAll(async () => {
    receiver = await startLogoutReceiver();
    idp = await startTestIdp({
      store: 'postgres',
      clients: [extranet(receiver)],
      retrySchedule: QUICK,
      env: { IDP_BACKCHANNEL_LOGOUT_ATTEMPTS: '3', LOG_LEVEL: 'info' },
      logger: log.logger,
    });
  });

  afterAll(async () => {
    await idp?.close();
    await receiver?.close();
  });

  test('is given up after the last try, logged with the site and the cause, and counted', async () => {
    await receiver.stop();
    const givenUpBefore = await givenUpCount();
    const person = await registerPerson(idp);
    await signInThenOut(idp, person);

    await vi.waitFor(async () => {
      const row = await idp.db.selectFrom('backchannel_logouts').selectAll().executeTakeFirstOrThrow();
      expect(row.gave_up_at).toBeTypeOf('number');
      expect(row.attempts).toBe(3);
    }, POLL);
    expect(await givenUpCount()).toBe(givenUpBefore + 1);
    const givenUp = log.entries().filter((entry) => /given up/.test(entry.msg));
    expect(givenUp).toHaveLength(1);
    expect(givenUp[0]).toMatchObject({ level: 50, clientId: 'extranet', attempts: 3 });
    expect(givenUp[0].reason).toMatch(/ECONNREFUSED/);

    // Given up means no more tries, even once the site is back.
    await receiver.restart();
    const seen = receiver.tokens.length;
    const copy = startLogoutWorker({
      db: idp.db,
      provider: idp.provider,
      log: { info() {}, warn() {}, error() {} },
      maxAttempts: 100,
      pollMs: NEVER,
    });
    try {
      expect(await copy.deliverDue()).toBe(0);
    } finally {
      await copy.stop();
    }
    const row = await idp.db.selectFrom('backchannel_logouts').selectAll().executeTakeFirstOrThrow();
    expect(row.attempts).toBe(3);
    expect(receiver.tokens).toHaveLength(seen);
  });
});

describe('the extranet, down while someone signs out of Passport', () => {
  let idp: TestIdp;
  let extranet: Awaited<ReturnType<typeof startTestExtranet>>;
  let dataDir: string;
  let reserved: Awaited<ReturnType<typeof reserveExtranet>>;
  const startExtranet = () =>
    startTestExtranet({
      url: reserved.url,
      issuer: idp.issuer,
      // Its sessions outlive the restart, as a real deployment's do.
      env: { RP_REQUIRED_ACR: ACR_PASSWORD, DATA_DIR: dataDir },
    });

  beforeAll(async () => {
    reserved = await reserveExtranet();
    dataDir = await mkdtemp(path.join(tmpdir(), 'passport-rp-kept-'));
    idp = await startTestIdp({ store: 'postgres', clients: [reserved.client], retrySchedule: QUICK });
    extranet = await startExtranet();
  });

  afterAll(async () => {
    await extranet?.close();
    await idp?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('ends its session once it is back', async () => {
    const person = await registerPerson(idp);
    const browser = new HttpSession();
    const { url } = await browser.follow(`${extranet.url}/auth/sign-in`);
    await browser.follow(
      `${url.origin}${url.pathname}/login`,
      { form: { email: person.email, password: person.password } },
      (location) => location.href === `${extranet.url}/`,
    );
    expect(await extranet.db.selectFrom('sessions').select('subject').execute()).toHaveLength(1);

    await extranet.close();
    const confirm = await browser.request(`${idp.issuer}/session/end`);
    const html = await confirm.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)![1]!;
    const done = await browser.request(new URL(action.replace(/&amp;/g, '&'), idp.issuer), {
      form: { xsrf: inputValue(html, 'xsrf')!, logout: 'yes' },
    });
    expect(done.status).toBeLessThan(400);
    await vi.waitFor(async () => {
      const row = await idp.db.selectFrom('backchannel_logouts').selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({ client_id: 'customersource', delivered_at: null });
      expect(row.attempts).toBeGreaterThanOrEqual(3);
    }, POLL);

    extranet = await startExtranet();
    await vi.waitFor(async () => {
      expect(await extranet.db.selectFrom('sessions').select('subject').execute()).toEqual([]);
    }, POLL);
    const page = await browser.request(`${extranet.url}/`);
    expect(await page.text()).toContain('Sign in with your Passport');
  });
});
