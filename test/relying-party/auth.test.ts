import { generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ACR_PASSWORD } from '../../idp/oidc/acr.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { reserveExtranet, startTestExtranet } from '../helpers/relying-party.ts';

type Extranet = Awaited<ReturnType<typeof startTestExtranet>>;

describe('extranet sign-in through Passport', () => {
  let idp: TestIdp;
  let extranet: Extranet;
  let strictExtranet: Extranet;
  let person: TestPerson;

  beforeAll(async () => {
    const reserved = await reserveExtranet();
    const strict = await reserveExtranet();
    idp = await startTestIdp({
      clients: [reserved.client, { ...strict.client, client_id: 'strict-extranet' }],
    });
    // This suite proves the OIDC plumbing at the password level; the strong level has its own suite.
    extranet = await startTestExtranet({
      url: reserved.url,
      issuer: idp.issuer,
      env: { RP_REQUIRED_ACR: ACR_PASSWORD },
    });
    strictExtranet = await startTestExtranet({
      url: strict.url,
      issuer: idp.issuer,
      env: { RP_CLIENT_ID: 'strict-extranet', RP_REQUIRED_ACR: 'urn:passport:acr:strong-but-unreachable' },
    });
    person = await registerPerson(idp);
  });

  afterAll(async () => {
    await extranet?.close();
    await strictExtranet?.close();
    await idp?.close();
  });

  async function signIn(site: Extranet, browser = new HttpSession()) {
    const { url } = await browser.follow(`${site.url}/auth/sign-in`);
    expect(url.pathname).toMatch(/^\/interaction\//);
    // Stop at the extranet's front door: where it sends a visitor next is the linking suite's business.
    const done = await browser.follow(
      `${url.origin}${url.pathname}/login`,
      { form: { email: person.email, password: person.password } },
      (location) => location.href === `${site.url}/`,
    );
    return { browser, ...done };
  }

  test('code + PKCE sign-in lands on the extranet with a server-side session', async () => {
    const { browser, url, response } = await signIn(extranet);
    expect(url.href).toBe(`${extranet.url}/`);
    expect(response.status).toBe(303);
    expect(browser.cookieNames).toContain('rp_session');
    const rows = await extranet.db.selectFrom('sessions').select(['subject', 'idp_sid']).execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.idp_sid)).toBe(true);
  });

  test('an ID token below the required level is refused', async () => {
    const { url, response } = await signIn(strictExtranet);
    expect(url.pathname).toBe('/auth/callback');
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('security key');
    expect(await strictExtranet.db.selectFrom('sessions').selectAll().execute()).toEqual([]);
  });

  test('Sign Out ends the extranet session and, through RP-initiated logout, the Passport session', async () => {
    const { browser } = await signIn(extranet);
    const signOut = await browser.follow(`${extranet.url}/auth/sign-out`, { method: 'POST' });
    const html = await signOut.response.text();
    expect(html).toContain('Sign out of Passport and all sites');
    const action = /<form[^>]*action="([^"]+)"/.exec(html)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    const done = await browser.follow(new URL(action.replace(/&amp;/g, '&')), {
      form: { xsrf, logout: 'yes' },
    });
    expect(done.url.href).toBe(`${extranet.url}/?state=signed-out`);
    const home = await done.response.text();
    expect(home).toContain('You have signed out of CustomerSource.');
    expect(home).toContain('Sign in with your Passport');
    // Passport no longer knows this browser: signing in again asks for the password.
    const again = await browser.follow(`${extranet.url}/auth/sign-in`);
    expect(again.url.pathname).toMatch(/^\/interaction\//);
  });

  test('only the site, with its ID token, can skip the sign-out question: a crafted link still asks', async () => {
    const { browser } = await signIn(extranet);
    const crafted = await browser.request(`${idp.issuer}/session/end?client_id=customersource&sign_out=all`);
    const html = await crafted.text();
    expect(html).toContain('Sign out of CustomerSource only');
    expect(html).toContain('Sign out of Passport and all sites');
    expect(html).not.toContain('data-continue');
  });

  test('a client that keeps no cookies gets the anonymous front door, not a redirect loop', async () => {
    let url = new URL(`${extranet.url}/`);
    const visited: string[] = [];
    for (;;) {
      const response = await fetch(url, { redirect: 'manual' });
      visited.push(`${url.pathname}${url.search}`);
      const location = response.headers.get('location');
      if (!location) {
        expect(response.status).toBe(200);
        expect(await response.text()).toContain('Sign in with your Passport');
        break;
      }
      expect(visited.length).toBeLessThan(5);
      url = new URL(location, url);
    }
    expect(visited).toEqual(['/', '/auth/sign-in?silent=1&return=%2F', '/?passport=skip']);
  });

  test('signing out at Passport itself ends the extranet session through a real back-channel call', async () => {
    const { browser } = await signIn(extranet);
    expect((await browser.request(`${extranet.url}/`)).status).toBe(303);
    // The person signs out on Passport's own page, not through the extranet.
    const page = await browser.request(`${idp.issuer}/session/end`);
    const html = await page.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    await browser.follow(new URL(action.replace(/&amp;/g, '&')), { form: { xsrf, logout: 'yes' } });
    // Passport has called the extranet's back-channel endpoint before answering.
    const after = await browser.request(`${extranet.url}/`);
    expect(after.status).toBe(200);
    expect(await after.text()).toContain('Sign in with your Passport');
  });

  test('an ID token whose nonce is not the one the extranet sent is refused', async () => {
    const browser = new HttpSession();
    const start = await browser.request(`${extranet.url}/auth/sign-in`);
    const authorize = new URL(start.headers.get('location')!);
    // Someone in the middle swaps the nonce of the authorization request.
    authorize.searchParams.set('nonce', 'a-nonce-the-extranet-never-sent');
    const { url } = await browser.follow(authorize);
    const done = await browser.follow(`${url.origin}${url.pathname}/login`, {
      form: { email: person.email, password: person.password },
    });
    expect(done.url.pathname).toBe('/auth/callback');
    expect(done.response.status).toBe(400);
    expect(await done.response.text()).toContain('role="alert"');
  });

  test('Passport sign-out elsewhere (back channel only) ends the session here', async () => {
    const { browser } = await signIn(extranet);
    const session = await extranet.db
      .selectFrom('sessions')
      .selectAll()
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    const token = await logoutToken({ sid: session.idp_sid!, sub: session.subject });
    const response = await postLogoutToken(token);
    expect(response.status).toBe(200);
    const page = await browser.request(`${extranet.url}/`);
    expect(await page.text()).toContain('Sign in with your Passport');
  });

  test('a replayed logout token is refused', async () => {
    const token = await logoutToken({ sid: 'some-sid', sub: 'some-sub' });
    expect((await postLogoutToken(token)).status).toBe(200);
    expect((await postLogoutToken(token)).status).toBe(400);
  });

  test.each([
    ['signed by someone else', { forge: true }],
    ['for another audience', { aud: 'another-site' }],
    ['from another issuer', { iss: 'http://evil.example' }],
    ['without the logout event', { events: {} }],
    ['carrying a nonce', { nonce: 'n' }],
    ['naming neither sid nor sub', { sid: undefined, sub: undefined }],
    // An ID token signed with the same keys must not pass for a logout token.
    ['typed as an ID token (typ JWT)', { typ: 'JWT' }],
    ['without a typ header', { typ: null }],
  ])('a logout token %s is refused', async (_name, change) => {
    const token = await logoutToken({ sid: 'x', sub: 'y', ...change });
    const response = await postLogoutToken(token);
    expect(response.status).toBe(400);
  });

  test.each([
    ['no token at all', ''],
    ['garbage', 'logout_token=not.a.jwt'],
  ])('a back-channel request with %s is refused', async (_name, body) => {
    const response = await fetch(`${extranet.url}/auth/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(response.status).toBe(400);
  });

  test.each([
    ['a callback without a sign-in in progress', '/auth/callback?code=abc&state=def'],
    ['an error from the IdP', '/auth/callback?error=access_denied&state=def'],
    ['a callback with nothing', '/auth/callback'],
  ])('%s gets a clear page', async (_name, path) => {
    const response = await fetch(`${extranet.url}${path}`);
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('role="alert"');
  });

  test('a callback with a forged state is refused', async () => {
    const browser = new HttpSession();
    const start = await browser.request(`${extranet.url}/auth/sign-in`);
    const authorize = new URL(start.headers.get('location')!);
    const redirectUri = authorize.searchParams.get('redirect_uri')!;
    const response = await browser.request(`${redirectUri}?code=made-up&state=forged-state`);
    expect(response.status).toBe(400);
  });

  async function logoutToken(claims: Record<string, unknown> & { forge?: boolean; typ?: string | null }) {
    const { forge, typ = 'logout+jwt', ...payload } = claims;
    const key = await idp.db
      .selectFrom('signing_keys')
      .selectAll()
      .where('alg', '=', 'ES256')
      .executeTakeFirstOrThrow();
    const jwk = JSON.parse(key.private_jwk) as JWK;
    const signingKey = forge ? (await generateKeyPair('ES256')).privateKey : await importJWK(jwk, 'ES256');
    const body = {
      iss: idp.issuer,
      aud: 'customersource',
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
      jti: crypto.randomUUID(),
      ...payload,
    };
    return new SignJWT(body)
      .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, ...(typ === null ? {} : { typ }) })
      .setIssuedAt()
      .sign(signingKey);
  }

  function postLogoutToken(token: string) {
    return fetch(`${extranet.url}/auth/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: token }).toString(),
    });
  }
});
