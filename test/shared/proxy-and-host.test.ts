import http from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { startIdpAndExtranet } from '../helpers/extranet-flow.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { authorizationRequest, discover, type oidc, REDIRECT_URI } from '../helpers/oidc-client.ts';

const SITE_SECRET = 'site-secret-0123456789-0123456789';
const site = {
  client_id: 'site',
  client_secret: SITE_SECRET,
  first_party: true,
  redirect_uris: [REDIRECT_URI],
};

/** A request with headers fetch will not send as given (Host above all). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers }, (response) => {
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

/** The address Passport wrote down for the person's latest sign-in. */
async function signInAddress(idp: TestIdp, person: TestPerson, forwardedFor: string) {
  const config: oidc.Configuration = await discover(idp.issuer, 'site', SITE_SECRET);
  const { url } = await authorizationRequest(config);
  const session = new HttpSession();
  const { url: page } = await session.follow(url);
  const response = await session.request(`${page.origin}${page.pathname}/login`, {
    form: { email: person.email, password: person.password },
    headers: { 'x-forwarded-for': forwardedFor },
  });
  expect(response.status).toBe(303);
  const row = await idp.db
    .selectFrom('activity')
    .innerJoin('accounts', 'accounts.id', 'activity.account_id')
    .select('activity.ip')
    .where('accounts.email', '=', person.email)
    .where('activity.kind', '=', 'sign-in')
    .orderBy('activity.at', 'desc')
    .executeTakeFirstOrThrow();
  return row.ip;
}

describe('with no proxy configured', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp({ clients: [site] });
  });
  afterAll(async () => idp?.close());

  test("a client's own X-Forwarded-For does not choose the address Passport sees", async () => {
    const person = await registerPerson(idp);
    expect(await signInAddress(idp, person, '203.0.113.9')).toBe('127.0.0.1');
  });

  test('a request for a foreign host is refused, and discovery never names one', async () => {
    const discovery = `${idp.issuer}/.well-known/openid-configuration`;
    const foreign = await rawGet(discovery, { host: 'evil.example' });
    expect(foreign.status).toBe(421);
    expect(foreign.body).not.toContain('evil.example');
    const signUp = await rawGet(`${idp.issuer}/signup`, { host: 'evil.example:80' });
    expect(signUp.status).toBe(421);

    const forwarded = await rawGet(discovery, {
      host: new URL(idp.issuer).host,
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
    });
    expect(forwarded.status).toBe(200);
    const metadata = JSON.parse(forwarded.body) as Record<string, unknown>;
    expect(metadata.issuer).toBe(idp.issuer);
    expect(metadata.authorization_endpoint).toBe(`${idp.issuer}/auth`);
    expect(forwarded.body).not.toContain('evil.example');
  });

  test.each([
    ['a number that is no address', '1.2.3.4.5'],
    ['a path', 'HOST/evil'],
    ['user info', 'someone@HOST'],
  ])('a Host header holding %s gets a 421, not a 500', async (_name, host) => {
    const answer = await rawGet(`${idp.issuer}/signup`, {
      host: host.replace('HOST', new URL(idp.issuer).host),
    });
    expect(answer.status).toBe(421);
  });

  test('the host is compared without case or default port', async () => {
    const { host } = new URL(idp.issuer);
    const answer = await rawGet(`${idp.issuer}/.well-known/openid-configuration`, {
      host: host.toUpperCase(),
    });
    expect(answer.status).toBe(200);
  });
});

describe('behind one proxy (IDP_TRUST_PROXY=1)', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp({ clients: [site], env: { IDP_TRUST_PROXY: '1' } });
  });
  afterAll(async () => idp?.close());

  test('the address is the one the proxy saw, whatever the client wrote before it', async () => {
    const person = await registerPerson(idp);
    // The client sent "203.0.113.9"; the proxy appended the address it really came from.
    expect(await signInAddress(idp, person, '203.0.113.9, 198.51.100.20')).toBe('198.51.100.20');
  });

  test('a forwarded foreign host is refused like a direct one', async () => {
    const answer = await rawGet(`${idp.issuer}/.well-known/openid-configuration`, {
      host: new URL(idp.issuer).host,
      'x-forwarded-host': 'evil.example',
    });
    expect(answer.status).toBe(421);
    expect(answer.body).not.toContain('evil.example');
  });
});

describe('the extranet', () => {
  let pair: Awaited<ReturnType<typeof startIdpAndExtranet>>;
  beforeAll(async () => {
    pair = await startIdpAndExtranet();
  });
  afterAll(async () => pair?.close());

  test('refuses a request for a foreign host and answers its own', async () => {
    expect((await rawGet(`${pair.extranet.url}/`, { host: 'evil.example' })).status).toBe(421);
    // The front door answers a new visitor by trying a silent sign-in at Passport first.
    expect((await rawGet(`${pair.extranet.url}/`, { host: new URL(pair.extranet.url).host })).status).toBe(
      303,
    );
  });
});
