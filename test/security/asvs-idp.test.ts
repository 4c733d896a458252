import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { accountClientMetadata } from '../../idp/account-services/sign-in.ts';
import { newPerson, registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { authorizationRequest, discover, oidc, REDIRECT_URI, signIn } from '../helpers/oidc-client.ts';
import { freePort } from '../helpers/ports.ts';

// Requirements of OWASP ASVS 5.0 (V6, V7, V10) that the code meets and no
// other test proved; SECURITY.md points at each test by its title.

const SECRET = 'asvs-first-party-secret-0123456789abcdef';
const CODE_ONLY_SECRET = 'asvs-code-only-secret-0123456789abcdef';

describe('ASVS checks at Passport', () => {
  let idp: TestIdp;
  let person: TestPerson;

  beforeAll(async () => {
    const issuer = `http://localhost:${await freePort()}`;
    idp = await startTestIdp({
      env: { IDP_ISSUER: issuer },
      clients: [
        accountClientMetadata(issuer),
        {
          client_id: 'site',
          client_secret: SECRET,
          client_name: 'First-party Site',
          first_party: true,
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token'],
        },
        {
          client_id: 'code-only',
          client_secret: CODE_ONLY_SECRET,
          client_name: 'Code Only',
          first_party: true,
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code'],
        },
        {
          client_id: 'email-only',
          client_secret: SECRET,
          client_name: 'E-mail Only',
          first_party: true,
          scope: 'openid email',
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code'],
        },
      ],
    });
    person = await registerPerson(idp);
  });
  afterAll(async () => idp?.close());

  const site = () => discover(idp.issuer, 'site', SECRET);
  const atCallback = (location: URL) => location.href.startsWith(REDIRECT_URI);

  /** The authorization response a browser brings back to the site, before the site redeems it. */
  async function authorizationResponse(
    config: oidc.Configuration,
    browser: HttpSession,
    who: TestPerson,
    params: Record<string, string> = {},
  ) {
    const request = await authorizationRequest(config, params);
    let step = await browser.follow(request.url, {}, atCallback);
    if (!atCallback(step.url) && step.url.pathname.startsWith('/interaction/')) {
      step = await browser.follow(
        `${step.url.origin}${step.url.pathname}/login`,
        { form: { email: who.email, password: who.password } },
        atCallback,
      );
    }
    if (!atCallback(step.url) && (await step.response.clone().text()).includes('/confirm')) {
      step = await browser.follow(
        `${step.url.origin}${step.url.pathname}/confirm`,
        { method: 'POST' },
        atCallback,
      );
    }
    return { request, callback: step.url, stoppedAt: step };
  }

  async function tokenRequest(form: Record<string, string>, auth?: { id: string; secret: string }) {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.id}:${auth.secret}`).toString('base64')}`;
    const response = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers,
      body: new URLSearchParams(form).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  test('a 100-character password of any characters works exactly as typed: not cut short, not case-folded', async () => {
    const tag = randomInt(1e9).toString(36);
    const password = `${tag} déjà vu, ünïcödé & 🔑 — a long pass phrase `.repeat(3).slice(0, 110);
    expect([...password].length).toBeGreaterThanOrEqual(100);
    const longPassword = await registerPerson(idp, { ...newPerson(), password });
    const config = await site();

    const tokens = await signIn(config, new HttpSession(), longPassword);
    expect(tokens.claims()!.amr).toEqual(['pwd']);

    const cutShort = { ...longPassword, password: [...password].slice(0, 72).join('') };
    await expect(signIn(config, new HttpSession(), cutShort)).rejects.toThrow(/flow stopped at/);
    const caseChanged = { ...longPassword, password: password.toUpperCase() };
    await expect(signIn(config, new HttpSession(), caseChanged)).rejects.toThrow(/flow stopped at/);
  });

  test('no composition rule: digits only, lower-case letters only, or spaces and punctuation are accepted', async () => {
    const digits = Array.from({ length: 14 }, () => randomInt(10)).join('');
    const letters = Array.from({ length: 14 }, () => String.fromCharCode(97 + randomInt(26))).join('');
    const punctuation = `.,;: !?-_ ${randomInt(1e6)} ~^`.replace(/\d/g, '');
    for (const password of [digits, letters, punctuation]) {
      const who = await registerPerson(idp, { ...newPerson(), password });
      const tokens = await signIn(await site(), new HttpSession(), who);
      expect(tokens.claims()!.sub).toBeTruthy();
    }
  });

  test('every password field is masked, names its autocomplete purpose, and leaves pasting alone', async () => {
    const browser = new HttpSession();
    const pages: string[] = [];
    pages.push(await (await browser.request(`${idp.issuer}/signup`)).text());
    const signInPage = await new HttpSession().follow((await authorizationRequest(await site())).url);
    pages.push(await signInPage.response.text());
    const account = await browser.follow(`${idp.issuer}/account`);
    await browser.follow(`${account.url.origin}${account.url.pathname}/login`, {
      form: { email: person.email, password: person.password },
    });
    pages.push(await (await browser.request(`${idp.issuer}/account/password`)).text());

    const passwordInputs = pages.flatMap(
      (html) => html.match(/<input[^>]*name="(?:current_)?password2?"[^>]*>/g) ?? [],
    );
    // Sign-up: password, retype; sign-in: password; account: current, new, retype.
    expect(passwordInputs).toHaveLength(6);
    for (const input of passwordInputs) {
      expect(input).toContain('type="password"');
      expect(input).toMatch(/autocomplete="(?:current|new)-password"/);
    }
    for (const html of pages) expect(html).not.toMatch(/onpaste|oncopy|oncut/i);
    for (const script of ['/assets/passport.js', '/assets/forms.js']) {
      const source = await (await fetch(`${idp.issuer}${script}`)).text();
      expect(source).not.toMatch(/paste/i);
    }
  });

  test('signing in again replaces the random session id, and the replaced one no longer signs anyone in', async () => {
    const browser = new HttpSession();
    await signIn(await site(), browser, person);
    const first = browser.cookie('idp_session')!;
    // 43 characters of a 64-letter alphabet from the CSPRNG: 258 bits.
    expect(first).toMatch(/^[\w-]{43}$/);
    const stolen = browser.copy();

    await signIn(await site(), browser, person, { params: { prompt: 'login' } });
    const second = browser.cookie('idp_session')!;
    expect(second).toMatch(/^[\w-]{43}$/);
    expect(second).not.toBe(first);

    const { url } = await authorizationRequest(await site(), { prompt: 'none' });
    const answer = await stolen.follow(url, {}, atCallback);
    expect(atCallback(answer.url)).toBe(true);
    expect(answer.url.searchParams.get('error')).toBe('login_required');
    expect(answer.url.searchParams.get('code')).toBeNull();
  });

  test('an authorization code lives one minute', async () => {
    const { callback } = await authorizationResponse(await site(), new HttpSession(), person);
    const code = callback.searchParams.get('code')!;
    const stored = (await idp.shortLived.adapter('AuthorizationCode').find(code)) as {
      iat: number;
      exp: number;
    };
    expect(stored.exp - stored.iat).toBe(60);
  });

  test('a redirect_uri one character away from the registered one is refused with a page, never a redirect', async () => {
    const config = await site();
    for (const near of [
      `${REDIRECT_URI}/`,
      `${REDIRECT_URI}?next=1`,
      REDIRECT_URI.replace('callback', 'Callback'),
      REDIRECT_URI.replace(':9/', ':09/'),
      REDIRECT_URI.replace('http:', 'https:'),
    ]) {
      const { url } = await authorizationRequest(config, { redirect_uri: near });
      const response = await new HttpSession().request(url);
      expect(response.status, near).toBe(400);
      expect(response.headers.get('location'), near).toBeNull();
    }
  });

  test('only the code flow: implicit and hybrid response types get an error, never a token', async () => {
    const config = await site();
    for (const responseType of ['token', 'id_token', 'id_token token', 'code id_token', 'code token']) {
      const { url } = await authorizationRequest(config, { response_type: responseType });
      const response = await new HttpSession().request(url);
      const location = response.headers.get('location') ?? '';
      const body = location ? '' : await response.text();
      expect(`${location} ${body}`, responseType).toMatch(/unsupported_response_type|invalid_request/);
      expect(location, responseType).not.toMatch(/access_token=|id_token=|code=/);
    }
  });

  test('the token endpoint refuses the password grant, and client credentials or a refresh token to a client not registered for them', async () => {
    const auth = { id: 'site', secret: SECRET };
    const password = await tokenRequest(
      { grant_type: 'password', username: person.email, password: person.password, scope: 'openid' },
      auth,
    );
    expect(password.status).toBe(400);
    expect(password.body.error).toBe('unsupported_grant_type');
    // Machine clients may use client credentials; a site registered for the code flow may not.
    const credentials = await tokenRequest({ grant_type: 'client_credentials' }, auth);
    expect(credentials.status).toBe(400);
    expect(credentials.body).toMatchObject({ error: 'invalid_request' });
    expect(credentials.body.error_description).toMatch(/grant type is not allowed/);
    expect(credentials.body.access_token).toBeUndefined();

    const codeOnly = await discover(idp.issuer, 'code-only', CODE_ONLY_SECRET);
    const tokens = await signIn(codeOnly, new HttpSession(), person, {
      params: { scope: 'openid offline_access', prompt: 'consent' },
    });
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.refresh_token).toBeUndefined();
  });

  test('PKCE: plain is refused, and a code without its verifier or with a wrong one gets no tokens', async () => {
    const config = await site();
    const { url } = await authorizationRequest(config, {
      code_challenge: 'a-plain-challenge-that-is-long-enough-0123456789',
      code_challenge_method: 'plain',
    });
    const plain = await new HttpSession().request(url);
    const location = new URL(plain.headers.get('location')!, idp.issuer);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('code')).toBeNull();

    const { callback } = await authorizationResponse(config, new HttpSession(), person);
    const code = callback.searchParams.get('code')!;
    const auth = { id: 'site', secret: SECRET };
    const grant = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI };
    const missing = await tokenRequest(grant, auth);
    expect(missing.status).toBe(400);
    expect(missing.body.access_token).toBeUndefined();
    const wrong = await tokenRequest({ ...grant, code_verifier: oidc.randomPKCECodeVerifier() }, auth);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');
    expect(wrong.body.access_token).toBeUndefined();
  });

  test('a confidential client without its secret, or with a wrong one, is refused at the token, introspection and revocation endpoints', async () => {
    const config = await site();
    const tokens = await signIn(config, new HttpSession(), person);
    const { callback, request } = await authorizationResponse(config, new HttpSession(), person);
    const grant = {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: REDIRECT_URI,
      code_verifier: request.verifier,
    };
    const noSecret = await tokenRequest({ ...grant, client_id: 'site' });
    expect(noSecret.status).toBe(401);
    expect(noSecret.body.error).toBe('invalid_client');
    const wrongSecret = await tokenRequest(grant, { id: 'site', secret: `${SECRET}x` });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error).toBe('invalid_client');

    const basic = `Basic ${Buffer.from(`site:${SECRET}x`).toString('base64')}`;
    for (const endpoint of ['/token/introspection', '/token/revocation']) {
      const response = await fetch(`${idp.issuer}${endpoint}`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: tokens.access_token }).toString(),
      });
      expect(response.status, endpoint).toBe(401);
    }
    const still = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(still.active).toBe(true);
  });

  test('a rotated refresh token presented again ends the grant: the newest refresh and access tokens stop working', async () => {
    const config = await site();
    const tokens = await signIn(config, new HttpSession(), person, {
      params: { scope: 'openid offline_access', prompt: 'consent' },
    });
    const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect((await oidc.tokenIntrospection(config, rotated.access_token)).active).toBe(true);

    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(oidc.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await oidc.tokenIntrospection(config, rotated.access_token)).active).toBe(false);
  });

  test('refresh tokens end with their grant, 30 days after the sign-in that made it, however often they were rotated', async () => {
    const config = await site();
    const tokens = await signIn(config, new HttpSession(), person, {
      params: { scope: 'openid offline_access', prompt: 'consent' },
    });
    type Stored = { iat: number; exp: number; grantId?: string };
    const refreshTokens = idp.shortLived.adapter('RefreshToken');
    const grants = idp.shortLived.adapter('Grant');
    const first = (await refreshTokens.find(tokens.refresh_token!)) as Stored;
    const grantId = first.grantId!;
    const grant = (await grants.find(grantId)) as Stored;
    expect(grant.exp - grant.iat).toBe(30 * 24 * 60 * 60);

    const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    const second = (await refreshTokens.find(rotated.refresh_token!)) as Stored;
    expect(second.grantId).toBe(grantId);
    // Rotation gives the new token days of its own, but leaves the grant's end where it was.
    expect(second.exp).toBeGreaterThan(grant.exp - 60);
    expect(((await grants.find(grantId)) as Stored).exp).toBe(grant.exp);

    // The grant's 30 days are over: the refresh token, with days of its own left, is refused.
    await grants.upsert(grantId, { ...(await grants.find(grantId))!, exp: grant.iat }, 1);
    await expect.poll(() => grants.find(grantId), { timeout: 10_000 }).toBeUndefined();
    await expect(oidc.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  test('a client registered for some scopes gets only those: asking for more is refused', async () => {
    const config = await discover(idp.issuer, 'email-only', SECRET);
    const allowed = await signIn(config, new HttpSession(), person, { params: { scope: 'openid email' } });
    expect(allowed.claims()!.sub).toBeTruthy();

    const { url } = await authorizationRequest(config, { scope: 'openid email profile address' });
    const asked = await new HttpSession().request(url);
    const location = new URL(asked.headers.get('location')!, idp.issuer);
    expect(location.searchParams.get('error')).toBe('invalid_scope');
    expect(location.searchParams.get('code')).toBeNull();
  });

  test('every account page a signed-in person sees offers sign-out', async () => {
    const browser = new HttpSession();
    const start = await browser.follow(`${idp.issuer}/account`);
    await browser.follow(`${start.url.origin}${start.url.pathname}/login`, {
      form: { email: person.email, password: person.password },
    });
    for (const path of [
      '/account',
      '/account/personal',
      '/account/address',
      '/account/email',
      '/account/password',
      '/account/alternate-email',
      '/account/secret-question',
      '/account/remembered-accounts',
      '/account/sites',
      '/account/activity',
    ]) {
      const response = await browser.request(`${idp.issuer}${path}`);
      expect(response.status, path).toBe(200);
      const html = await response.text();
      expect(html, path).toContain('<a href="/session/end">Sign out</a>');
    }
  });
});
