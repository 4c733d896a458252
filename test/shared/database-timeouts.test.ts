import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { authorizationRequest, discover } from '../helpers/oidc-client.ts';
import { createPostgresDatabase } from '../helpers/postgres.ts';
import { startStallingProxy } from '../helpers/stalling-proxy.ts';

const SITE_SECRET = 'site-secret-0123456789-0123456789';
const site = {
  client_id: 'site',
  client_secret: SITE_SECRET,
  first_party: true,
  redirect_uris: ['http://127.0.0.1:9/callback'],
};

// Short, so the test does not wait long; the defaults are 5 s and 10 s.
const FAST_TIMEOUTS = { DATABASE_CONNECT_TIMEOUT_MS: '1000', DATABASE_STATEMENT_TIMEOUT_MS: '1000' };

/** A sign-in form, open and waiting for the person's password. */
async function openSignIn(idp: TestIdp) {
  const config = await discover(idp.issuer, 'site', SITE_SECRET);
  const browser = new HttpSession();
  const { url } = await browser.follow((await authorizationRequest(config)).url);
  expect(url.pathname).toMatch(/^\/interaction\/[^/]+$/);
  return { browser, login: `${url.href}/login` };
}

/** The service's log lines, as an operator's collector would receive them. */
function captureLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: { level: 'info', stream }, entries: () => lines.map((line) => JSON.parse(line)) };
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('a database that hangs', () => {
  let idp: TestIdp;
  let proxy: Awaited<ReturnType<typeof startStallingProxy>>;
  let postgres: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let person: TestPerson;
  const log = captureLog();

  beforeAll(async () => {
    postgres = await createPostgresDatabase();
    const direct = new URL(postgres.url);
    proxy = await startStallingProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const throughProxy = new URL(postgres.url);
    throughProxy.host = `127.0.0.1:${proxy.port}`;
    idp = await startTestIdp({
      clients: [site],
      env: { IDP_DATABASE_URL: throughProxy.toString(), IDP_METRICS_PORT: '0', ...FAST_TIMEOUTS },
      logger: log.logger,
      // oidc-provider's own endpoints wait on the database only where its short-lived state is kept.
      redis: false,
    });
    person = await registerPerson(idp);
  });
  afterAll(async () => {
    proxy?.resume();
    await idp?.close();
    await proxy?.close();
    await postgres?.drop();
  });

  test('fails a request with a 503 page and turns /readyz not ready, then recovers', async () => {
    const { browser, login } = await openSignIn(idp);
    const anotherSignIn = (await authorizationRequest(await discover(idp.issuer, 'site', SITE_SECRET))).url;
    proxy.stall();

    const refused = await browser.request(login, {
      form: { email: person.email, password: person.password },
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    const page = await refused.text();
    expect(page).toContain('Temporarily unavailable');
    expect(page).toContain('try again in a moment');

    const ready = await fetch(`${idp.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not ready', checks: { database: 'failed' } });
    // The process itself is fine: an orchestrator must not restart it for the database's sake.
    expect((await fetch(`${idp.url}/healthz`)).status).toBe(200);

    // Inside oidc-provider's own endpoints too: a page saying to come back, and a cause in the log.
    const authorize = await new HttpSession().request(anotherSignIn);
    expect(authorize.status).toBe(503);
    expect(await authorize.text()).toContain('Temporarily unavailable');
    const failure = log.entries().find((entry) => entry.msg === 'oidc-provider failed to answer');
    expect(failure).toMatchObject({ level: 50, route: 'authorization', method: 'GET' });
    expect(failure.err.message).toMatch(/timeout|terminated/i);
    const metrics = await (await fetch(idp.metrics!.url)).text();
    expect(metrics).toMatch(/^idp_oidc_errors_total\{event="server_error",error="server_error"\} [1-9]/m);

    proxy.resume();
    await until(async () => (await fetch(`${idp.url}/readyz`)).status === 200);
    const signedIn = await browser.request(login, {
      form: { email: person.email, password: person.password },
    });
    expect(signedIn.status).toBe(303);
  });
});

describe('a lock held by someone else', () => {
  let idp: TestIdp;
  let person: TestPerson;

  beforeAll(async () => {
    idp = await startTestIdp({ clients: [site], store: 'postgres', env: FAST_TIMEOUTS });
    person = await registerPerson(idp);
  });
  afterAll(async () => idp?.close());

  test('a request that waits on it fails with a 503 page within the statement timeout', async () => {
    const { browser, login } = await openSignIn(idp);
    const holder = new pg.Client({ connectionString: idp.config.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE');
      const refused = await browser.request(login, {
        form: { email: person.email, password: person.password },
      });
      expect(refused.status).toBe(503);
      expect(await refused.text()).toContain('Temporarily unavailable');
      await holder.query('COMMIT');
    } finally {
      await holder.end();
    }
    // Nothing was half-done: the same form works once the lock is gone.
    const signedIn = await browser.request(login, {
      form: { email: person.email, password: person.password },
    });
    expect(signedIn.status).toBe(303);
  });
});
