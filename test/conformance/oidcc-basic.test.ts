import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACR_PASSWORD } from '../../idp/oidc/acr.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import {
  authorize,
  authorizeWithoutRedirect,
  clock,
  redeem,
  redeemCode,
  type TokenAnswer,
  tokenRequest,
  verifyWithJwks,
} from '../helpers/conformance.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { STORES, startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { authorizationRequest, discover, oidc, REDIRECT_URI } from '../helpers/oidc-client.ts';
import { SUITE_ON_REDIS } from '../helpers/redis.ts';

/**
 * The OpenID Foundation's oidcc-basic-certification-test-plan (code flow,
 * client_secret_basic, then client_secret_post), module by module, against
 * the real IdP. Each `it` names the module it reproduces.
 */
const BASIC = { id: 'rp-basic', secret: 'conformance-basic-client-secret-0123456789' };
const POST = { id: 'rp-post', secret: 'conformance-post-client-secret-0123456789' };
const OTHER = { id: 'rp-other', secret: 'conformance-other-client-secret-0123456789' };

function staticClient(client: { id: string; secret: string }, extra: Record<string, unknown> = {}) {
  return {
    client_id: client.id,
    client_secret: client.secret,
    client_name: `Conformance ${client.id}`,
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    ...extra,
  };
}

describe('oidcc-basic-certification-test-plan', () => {
  let idp: TestIdp;
  let person: TestPerson;
  let config: oidc.Configuration;

  beforeAll(async () => {
    idp = await startTestIdp({
      clients: [
        staticClient(BASIC),
        staticClient(POST, { token_endpoint_auth_method: 'client_secret_post' }),
        staticClient(OTHER),
      ],
    });
    person = await registerPerson(idp);
    config = await discover(idp.issuer, BASIC.id, BASIC.secret);
  });

  afterAll(async () => {
    await idp?.close();
    clock.restore();
  });

  /** A browser that has signed in (and consented) once, with the ID token it got. */
  async function signedInBrowser(params: Record<string, string> = {}) {
    const browser = new HttpSession();
    const first = await authorize(config, browser, person, params);
    const tokens = await redeem(config, first);
    return { browser, first, tokens, claims: tokens.claims()! };
  }

  it('oidcc-server: code flow; state, iss and a verified ID token come back', async () => {
    const browser = new HttpSession();
    const authorization = await authorize(config, browser, person);
    expect(authorization.pages).toEqual(['login', 'consent']);
    const callback = authorization.callback.searchParams;
    expect(callback.get('state')).toBe(authorization.request.state);
    // RFC 9207: the issuer rides along, so a site talking to several IdPs cannot be mixed up.
    expect(callback.get('iss')).toBe(idp.issuer);

    const answer = await redeemCode(idp.issuer, BASIC, authorization);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toContain('application/json');
    expect(answer.cacheControl).toContain('no-store');
    expect(String(answer.body.token_type).toLowerCase()).toBe('bearer');
    expect(answer.body.expires_in).toBeGreaterThan(0);
    const { payload, protectedHeader } = await verifyWithJwks(idp.issuer, answer.body.id_token!, BASIC.id);
    expect(protectedHeader.alg).toBe('RS256');
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload.sub).toBeTruthy();
    expect(payload.nonce).toBe(authorization.request.nonce);
    expect(payload.exp).toBeGreaterThan(payload.iat!);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(60);
    expect(payload.auth_time).toBeLessThanOrEqual(payload.iat!);
  });

  it('oidcc-server-client-secret-post: the same flow with client_secret_post', async () => {
    const postConfig = await oidc.discovery(
      new URL(idp.issuer),
      POST.id,
      POST.secret,
      oidc.ClientSecretPost(),
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    const tokens = await redeem(postConfig, await authorize(postConfig, new HttpSession(), person));
    expect(tokens.claims()!.aud).toBe(POST.id);
  });

  it('oidcc-response-type-missing: refused, never a code', async () => {
    const { url } = await authorizationRequest(config);
    url.searchParams.delete('response_type');
    const answer = await authorizeWithoutRedirect(new HttpSession(), url);
    if (answer.location) {
      const back = new URL(answer.location, idp.issuer);
      expect(back.href.startsWith(REDIRECT_URI)).toBe(true);
      expect(['invalid_request', 'unsupported_response_type']).toContain(back.searchParams.get('error'));
      expect(back.searchParams.get('code')).toBeNull();
    } else {
      expect(answer.status).toBe(400);
      expect(answer.html).toContain('response_type');
    }
  });

  it('oidcc-idtoken-signature: the ID token is signed by a published key named by its kid', async () => {
    const { tokens } = await signedInBrowser();
    const header = decodeProtectedHeader(tokens.id_token!);
    const jwks = (await (await fetch(`${idp.issuer}/jwks`)).json()) as {
      keys: { kid: string; alg: string }[];
    };
    expect(jwks.keys.find((key) => key.kid === header.kid)?.alg).toBe(header.alg);
    await verifyWithJwks(idp.issuer, tokens.id_token!, BASIC.id);
    // One changed claim and the signature no longer holds.
    const [head, body, signature] = tokens.id_token!.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
    await expect(verifyWithJwks(idp.issuer, `${head}.${forged}.${signature}`, BASIC.id)).rejects.toThrow();
  });

  describe('userinfo', () => {
    let accessToken: string;
    let sub: string;
    beforeAll(async () => {
      const { tokens, claims } = await signedInBrowser({ scope: 'openid email' });
      accessToken = tokens.access_token;
      sub = claims.sub;
    });

    async function expectUserinfo(response: Response) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/json');
      const claims = (await response.json()) as Record<string, unknown>;
      expect(claims.sub).toBe(sub);
      expect(claims.email).toBe(person.email);
    }

    it('oidcc-userinfo-get: GET with the bearer header', async () => {
      await expectUserinfo(
        await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } }),
      );
    });

    it('oidcc-userinfo-post-header: POST with the bearer header', async () => {
      await expectUserinfo(
        await fetch(`${idp.issuer}/me`, {
          method: 'POST',
          headers: { authorization: `Bearer ${accessToken}` },
        }),
      );
    });

    it('oidcc-userinfo-post-body: POST with the token in the form body', async () => {
      await expectUserinfo(
        await fetch(`${idp.issuer}/me`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ access_token: accessToken }).toString(),
        }),
      );
    });

    it('userinfo without a token, or with a made-up one, is refused with a challenge', async () => {
      for (const headers of [{}, { authorization: 'Bearer not-a-token' }] as Record<string, string>[]) {
        const response = await fetch(`${idp.issuer}/me`, { headers });
        expect([400, 401]).toContain(response.status);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    });
  });

  it('oidcc-ensure-request-without-nonce-succeeds-for-code-flow', async () => {
    const authorization = await authorize(config, new HttpSession(), person, { nonce: '' });
    expect(authorization.request.url.searchParams.has('nonce')).toBe(false);
    const tokens = await redeem(config, authorization);
    expect(tokens.claims()!.nonce).toBeUndefined();
  });

  describe('scopes: every scope discovery lists releases its claims, and only those', () => {
    let sub: string;
    let browser: HttpSession;
    beforeAll(async () => {
      const signedIn = await signedInBrowser();
      browser = signedIn.browser;
      sub = signedIn.claims.sub;
    });

    async function userinfoFor(scope: string) {
      const tokens = await redeem(config, await authorize(config, browser, person, { scope }));
      const claims = await oidc.fetchUserInfo(config, tokens.access_token, sub);
      return { claims, idToken: tokens.claims()! };
    }

    it('oidcc-scope-profile', async () => {
      const { claims } = await userinfoFor('openid profile');
      expect(claims).toMatchObject({ name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace' });
      expect(claims.email).toBeUndefined();
      expect(claims.address).toBeUndefined();
    });

    it('oidcc-scope-email', async () => {
      const { claims } = await userinfoFor('openid email');
      expect(claims).toMatchObject({ email: person.email, email_verified: true });
      expect(claims.name).toBeUndefined();
    });

    it('oidcc-scope-address', async () => {
      const { claims } = await userinfoFor('openid address');
      expect(claims.address).toEqual({ country: 'GB', postal_code: 'SW1A 1AA' });
      expect(claims.email).toBeUndefined();
    });

    it('oidcc-scope-phone: not in scopes_supported, so asked for it is ignored, not an error', async () => {
      const metadata = config.serverMetadata();
      expect(metadata.scopes_supported).not.toContain('phone');
      const { claims } = await userinfoFor('openid phone');
      expect(claims.sub).toBe(sub);
      expect(claims.phone_number).toBeUndefined();
    });

    it('oidcc-scope-all: every released claim is one discovery lists in claims_supported', async () => {
      const { claims, idToken } = await userinfoFor('openid profile email address phone');
      expect(claims).toMatchObject({ email: person.email, given_name: 'Ada', address: { country: 'GB' } });
      const supported = new Set(config.serverMetadata().claims_supported);
      for (const claim of [...Object.keys(claims), ...Object.keys(idToken)]) {
        if (['aud', 'exp', 'iat', 'nonce', 'at_hash', 'jti'].includes(claim)) continue;
        expect(supported, claim).toContain(claim);
      }
    });

    it('oidcc-ensure-other-scope-order-succeeds', async () => {
      const { claims } = await userinfoFor('email openid');
      expect(claims.email).toBe(person.email);
    });
  });

  it('oidcc-display-page and oidcc-display-popup: accepted', async () => {
    const { browser } = await signedInBrowser();
    for (const display of ['page', 'popup']) {
      const authorization = await authorize(config, browser, person, { display });
      expect(authorization.callback.searchParams.get('code')).toBeTruthy();
    }
  });

  it('oidcc-prompt-login: the person signs in again and auth_time moves on', async () => {
    const { browser, claims } = await signedInBrowser();
    clock.advance(2);
    const again = await authorize(config, browser, person, { prompt: 'login' });
    expect(again.pages).toContain('login');
    const second = (await redeem(config, again)).claims()!;
    expect(second.sub).toBe(claims.sub);
    expect(second.auth_time).toBeGreaterThan(claims.auth_time!);
  });

  it('oidcc-prompt-none-not-logged-in: login_required, back to the site with its state', async () => {
    const authorization = await authorize(config, new HttpSession(), undefined, { prompt: 'none' });
    expect(authorization.pages).toEqual([]);
    const back = authorization.callback.searchParams;
    expect(back.get('error')).toBe('login_required');
    expect(back.get('state')).toBe(authorization.request.state);
    expect(back.get('code')).toBeNull();
    // RFC 9207 section 2: the issuer in error responses too.
    expect(back.get('iss')).toBe(idp.issuer);
  });

  it('oidcc-prompt-none-logged-in: a code without any page, same sub and auth_time', async () => {
    const { browser, claims } = await signedInBrowser();
    const silent = await authorize(config, browser, undefined, { prompt: 'none' });
    expect(silent.pages).toEqual([]);
    const second = (await redeem(config, silent)).claims()!;
    expect(second.sub).toBe(claims.sub);
    expect(second.auth_time).toBe(claims.auth_time);
  });

  it('oidcc-max-age-1: after more than a second the person signs in again', async () => {
    const { browser, claims } = await signedInBrowser();
    // The module waits two seconds; the clock moves them instead.
    clock.advance(2);
    const again = await authorize(config, browser, person, { max_age: '1' });
    expect(again.pages).toContain('login');
    const second = (await redeem(config, again)).claims()!;
    expect(second.auth_time).toBeGreaterThan(claims.auth_time!);
    expect(Math.abs(second.auth_time! - Date.now() / 1000)).toBeLessThan(60);
  });

  // Core 3.1.2.1: "max_age=0 is equivalent to prompt=login", even within the second of sign-in.
  it('max_age=0: the person signs in again at once', async () => {
    const { browser } = await signedInBrowser();
    const again = await authorize(config, browser, person, { max_age: '0' });
    expect(again.pages).toContain('login');
    expect((await redeem(config, again)).claims()!.auth_time).toBeDefined();
  });

  it('prompt=none together with another prompt is refused (Core 3.1.2.1)', async () => {
    const { browser } = await signedInBrowser();
    const mixed = await authorize(config, browser, undefined, { prompt: 'none login' });
    expect(mixed.callback.searchParams.get('error')).toBe('invalid_request');
    expect(mixed.callback.searchParams.get('code')).toBeNull();
  });

  it('oidcc-max-age-10000: no new sign-in, and auth_time is in the ID token', async () => {
    const { browser, claims } = await signedInBrowser();
    const again = await authorize(config, browser, person, { max_age: '10000' });
    expect(again.pages).toEqual([]);
    expect((await redeem(config, again)).claims()!.auth_time).toBe(claims.auth_time);
  });

  it('oidcc-ensure-request-with-unknown-parameter-succeeds', async () => {
    const { browser } = await signedInBrowser();
    const authorization = await authorize(config, browser, person, { extra: 'foobar' });
    expect(authorization.callback.searchParams.get('code')).toBeTruthy();
  });

  it('oidcc-id-token-hint: prompt=none with the first ID token gives the same person', async () => {
    const { browser, tokens, claims } = await signedInBrowser();
    const silent = await authorize(config, browser, undefined, {
      prompt: 'none',
      id_token_hint: tokens.id_token!,
    });
    expect(silent.pages).toEqual([]);
    expect((await redeem(config, silent)).claims()!.sub).toBe(claims.sub);

    // Another person's ID token as the hint: not this session's person, so no silent answer.
    const other = await registerPerson(idp);
    const { tokens: othersTokens } = await signedInBrowserAs(other);
    const mismatch = await authorize(config, browser, undefined, {
      prompt: 'none',
      id_token_hint: othersTokens.id_token!,
    });
    expect(mismatch.callback.searchParams.get('error')).toBe('login_required');
    expect(mismatch.callback.searchParams.get('code')).toBeNull();
  });

  async function signedInBrowserAs(someone: TestPerson) {
    const browser = new HttpSession();
    const tokens = await redeem(config, await authorize(config, browser, someone));
    return { browser, tokens };
  }

  it('oidcc-login-hint: the sign-in page starts with the hinted address', async () => {
    const authorization = await authorize(config, new HttpSession(), person, { login_hint: person.email });
    expect(authorization.signInPage).toContain(`value="${person.email}"`);
    expect(authorization.callback.searchParams.get('code')).toBeTruthy();
  });

  it('oidcc-ui-locales: the sign-in page speaks a requested language; an unknown one is no error', async () => {
    const portuguese = await authorize(config, new HttpSession(), person, { ui_locales: 'pt-BR en' });
    expect(portuguese.signInPage).toContain('lang="pt-BR"');
    expect(portuguese.signInPage).toContain('Senha');

    const swedish = await authorize(config, new HttpSession(), person, { ui_locales: 'se' });
    expect(swedish.signInPage).toContain('lang="en"');
    expect(swedish.callback.searchParams.get('code')).toBeTruthy();
  });

  it('a state of any characters comes back exactly as sent', async () => {
    const { browser } = await signedInBrowser();
    const state = 'é ü 漢字 &=?#+%/ "quoted" 🙂';
    const authorization = await authorize(config, browser, person, { state });
    expect(authorization.callback.searchParams.get('state')).toBe(state);
  });

  it('a claims parameter that is not JSON is an invalid_request back at the site', async () => {
    const { browser } = await signedInBrowser();
    const { url, state } = await authorizationRequest(config, { claims: '{"userinfo":' });
    const answer = await authorizeWithoutRedirect(browser, url);
    const back = new URL(answer.location!, idp.issuer);
    expect(back.href.startsWith(REDIRECT_URI)).toBe(true);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('state')).toBe(state);
  });

  it('oidcc-claims-locales: accepted', async () => {
    const { browser } = await signedInBrowser();
    const authorization = await authorize(config, browser, person, { claims_locales: 'se' });
    expect(authorization.callback.searchParams.get('code')).toBeTruthy();
  });

  it('oidcc-ensure-request-with-acr-values-succeeds: the ID token carries an acr asked for', async () => {
    const { browser } = await signedInBrowser();
    const authorization = await authorize(config, browser, person, {
      acr_values: `${ACR_PASSWORD} urn:other`,
    });
    expect((await redeem(config, authorization)).claims()!.acr).toBe(ACR_PASSWORD);
  });

  it('oidcc-codereuse: the second use is refused and the tokens of the first are revoked', async () => {
    const authorization = await authorize(config, new HttpSession(), person, {
      scope: 'openid offline_access',
      prompt: 'consent',
    });
    const first = await redeemCode(idp.issuer, BASIC, authorization);
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).toBeTruthy();

    const second = await redeemCode(idp.issuer, BASIC, authorization);
    expect(second.status).toBe(400);
    expect(second.contentType).toContain('application/json');
    expect(second.body.error).toBe('invalid_grant');
    // ValidateErrorDescriptionFromTokenEndpointResponseError (RFC 6749 section 5.2).
    expect(second.body.error_description ?? '').toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/);
    expect(second.body.error_uri).toBeUndefined();
    await expectRevoked(first);
  });

  it('oidcc-codereuse-30seconds: refused 30 seconds later too, and the first tokens revoked', async () => {
    const authorization = await authorize(config, new HttpSession(), person, {
      scope: 'openid offline_access',
      prompt: 'consent',
    });
    const first = await redeemCode(idp.issuer, BASIC, authorization);
    expect(first.status).toBe(200);
    clock.advance(30);
    const second = await redeemCode(idp.issuer, BASIC, authorization);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe('invalid_grant');
    await expectRevoked(first);
  });

  /** RFC 6749 section 4.1.2: what a reused code gave must stop working. */
  async function expectRevoked(issued: Awaited<ReturnType<typeof redeemCode>>) {
    const userinfo = await fetch(`${idp.issuer}/me`, {
      headers: { authorization: `Bearer ${issued.body.access_token}` },
    });
    expect(userinfo.status).toBe(401);
    const introspected = await oidc.tokenIntrospection(config, issued.body.access_token!);
    expect(introspected.active).toBe(false);
    const refresh = await tokenRequest(idp.issuer, BASIC, {
      grant_type: 'refresh_token',
      refresh_token: issued.body.refresh_token!,
    });
    expect(refresh.status).toBe(400);
    expect(refresh.body.error).toBe('invalid_grant');
  }

  it('oidcc-ensure-registered-redirect-uri: an error page, never a redirect', async () => {
    const { url } = await authorizationRequest(config, { redirect_uri: 'https://attacker.example/callback' });
    const answer = await authorizeWithoutRedirect(new HttpSession(), url);
    expect(answer.status).toBe(400);
    expect(answer.location).toBeNull();
    expect(answer.html).toContain('redirect_uri');
  });

  // Core 3.1.2.1: POST as well as GET. The IdP answers the form with the same request by GET
  // (see idp/oidc/mount.ts), so a site's cross-site form post reaches the signed-in session.
  it('oidcc-ensure-post-request-succeeds: the authorization request by form POST from the site', async () => {
    const { browser } = await signedInBrowser();
    const { url, verifier, state } = await authorizationRequest(config);
    const response = await browser.follow(
      `${idp.issuer}/auth`,
      { form: Object.fromEntries(url.searchParams), headers: { origin: 'http://127.0.0.1:9' } },
      (location) => location.href.startsWith(REDIRECT_URI),
    );
    expect(response.url.searchParams.get('state')).toBe(state);
    const answer = await tokenRequest(idp.issuer, BASIC, {
      grant_type: 'authorization_code',
      code: response.url.searchParams.get('code')!,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    });
    expect(answer.status).toBe(200);
  });

  it('a posted authorization request is held to the same rules: one value per parameter, a form, a bound size', async () => {
    const { url } = await authorizationRequest(config);
    const browser = new HttpSession();
    const twice = await browser.follow(
      `${idp.issuer}/auth?state=${url.searchParams.get('state')}`,
      { form: Object.fromEntries(url.searchParams) },
      (location) => location.href.startsWith(REDIRECT_URI),
    );
    expect(twice.url.searchParams.get('error')).toBe('invalid_request');
    expect(twice.url.searchParams.get('code')).toBeNull();

    const json = await browser.request(`${idp.issuer}/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Object.fromEntries(url.searchParams)),
    });
    expect(json.status).toBe(415);

    const huge = await browser.request(`${idp.issuer}/auth`, {
      form: { ...Object.fromEntries(url.searchParams), login_hint: 'x'.repeat(10_000) },
    });
    expect(huge.status).toBe(413);
  });

  it('oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported: rejected, as discovery says', async () => {
    expect(config.serverMetadata().request_uri_parameter_supported).toBe(false);
    const { browser } = await signedInBrowser();
    const { url, state } = await authorizationRequest(config, {
      request_uri: 'https://rp.example/request.jwt',
    });
    const answer = await authorizeWithoutRedirect(browser, url);
    const back = new URL(answer.location!, idp.issuer);
    expect(back.href.startsWith(REDIRECT_URI)).toBe(true);
    expect(back.searchParams.get('error')).toBe('request_uri_not_supported');
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.get('code')).toBeNull();
  });

  it('oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported: rejected, as discovery says', async () => {
    // Discovery 1.0 section 3: an absent request_parameter_supported means false.
    expect(config.serverMetadata().request_parameter_supported ?? false).toBe(false);
    const { browser } = await signedInBrowser();
    const { url, state } = await authorizationRequest(config);
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const claims = Buffer.from(
      JSON.stringify({ ...Object.fromEntries(url.searchParams), iss: BASIC.id, aud: idp.issuer }),
    ).toString('base64url');
    url.searchParams.set('request', `${header}.${claims}.`);
    const answer = await authorizeWithoutRedirect(browser, url);
    const back = new URL(answer.location!, idp.issuer);
    expect(back.href.startsWith(REDIRECT_URI)).toBe(true);
    expect(back.searchParams.get('error')).toBe('request_not_supported');
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.get('code')).toBeNull();
  });

  // Not in the plan, but in discovery: what is announced must work.
  it('pushed authorization requests (RFC 9126), announced in discovery, work end to end', async () => {
    expect(config.serverMetadata().pushed_authorization_request_endpoint).toBe(`${idp.issuer}/request`);
    const { browser, claims } = await signedInBrowser();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const step = await browser.follow(url, {}, (location) => location.href.startsWith(REDIRECT_URI));
    const tokens = await oidc.authorizationCodeGrant(config, step.url, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    expect(tokens.claims()!.sub).toBe(claims.sub);
  });

  it('every response mode discovery lists answers with the code: query, fragment, form_post', async () => {
    expect([...(config.serverMetadata().response_modes_supported ?? [])].sort()).toEqual([
      'form_post',
      'fragment',
      'query',
    ]);
    const { browser } = await signedInBrowser();
    const fragment = await authorizationRequest(config, { response_mode: 'fragment' });
    const step = await browser.follow(fragment.url, {}, (location) => location.href.startsWith(REDIRECT_URI));
    const inFragment = new URLSearchParams(step.url.hash.slice(1));
    expect(inFragment.get('code')).toBeTruthy();
    expect(inFragment.get('state')).toBe(fragment.state);

    const formPost = await authorizationRequest(config, { response_mode: 'form_post' });
    const page = await browser.follow(formPost.url);
    expect(page.response.status).toBe(200);
    const html = await page.response.text();
    expect(html).toContain(`action="${REDIRECT_URI}"`);
    expect(html).toMatch(/name="code" value="[^"]+"/);
    expect(html).toContain(`name="state" value="${formPost.state}"`);
    // Works without JavaScript too: a button to send the form by hand.
    expect(html).toMatch(/<noscript>[\s\S]*type="submit"/);
  });

  it('oidcc-claims-essential: an essential name claim in userinfo is released', async () => {
    const { browser, claims } = await signedInBrowser();
    const authorization = await authorize(config, browser, person, {
      scope: 'openid',
      claims: JSON.stringify({ userinfo: { name: { essential: true } } }),
    });
    const tokens = await redeem(config, authorization);
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(userinfo.name).toBe('Ada Lovelace');
  });

  it('claims with an essential acr: the level asked for, or the person is led to reach it', async () => {
    const { browser } = await signedInBrowser();
    const password = await authorize(config, browser, person, {
      claims: JSON.stringify({ id_token: { acr: { essential: true, values: [ACR_PASSWORD] } } }),
    });
    expect((await redeem(config, password)).claims()!.acr).toBe(ACR_PASSWORD);

    // The strong level is never given for the password alone: the security key step comes first.
    const strong = await authorizationRequest(config, {
      claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'urn:passport:acr:strong' } } }),
    });
    const step = await browser.follow(strong.url, {}, (location) => location.href.startsWith(REDIRECT_URI));
    expect(step.url.href.startsWith(REDIRECT_URI)).toBe(false);
    expect(step.url.pathname).toMatch(/^\/interaction\/[^/]+\/security-key/);

    // Without a page to show, the site hears that it cannot have that level silently.
    const silent = await authorize(config, browser, undefined, {
      prompt: 'none',
      claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'urn:passport:acr:strong' } } }),
    });
    expect(silent.callback.searchParams.get('code')).toBeNull();
    // Core 3.1.2.6: a step that needs the person's interaction.
    expect(['interaction_required', 'login_required']).toContain(silent.callback.searchParams.get('error'));
  });

  it('a code is bound to its client and its redirect_uri (RFC 6749 section 4.1.3)', async () => {
    const { browser } = await signedInBrowser();
    const forOther = await authorize(config, browser, person);
    const byOther = await redeemCode(idp.issuer, OTHER, forOther);
    expect(byOther.status).toBe(400);
    expect(byOther.body.error).toBe('invalid_grant');

    const elsewhere = await authorize(config, browser, person);
    const moved = await tokenRequest(idp.issuer, BASIC, {
      grant_type: 'authorization_code',
      code: elsewhere.callback.searchParams.get('code')!,
      redirect_uri: 'http://127.0.0.1:9/elsewhere',
      code_verifier: elsewhere.request.verifier,
    });
    expect(moved.status).toBe(400);
    expect(moved.body.error).toBe('invalid_grant');
  });

  it('an unused code is refused once it has expired (a minute)', async () => {
    const authorization = await authorize(config, new HttpSession(), person);
    clock.advance(61);
    const late = await redeemCode(idp.issuer, BASIC, authorization);
    expect(late.status).toBe(400);
    expect(late.body.error).toBe('invalid_grant');
  });

  it('prompt=none before the person agreed to a scope: consent_required (Core 3.1.2.6)', async () => {
    // Someone new: consent is remembered per person and site, and others here agreed to everything.
    const newcomer = await registerPerson(idp);
    const browser = new HttpSession();
    await authorize(config, browser, newcomer, { scope: 'openid' });
    const silent = await authorize(config, browser, undefined, { prompt: 'none', scope: 'openid address' });
    expect(silent.callback.searchParams.get('error')).toBe('consent_required');
    expect(silent.callback.searchParams.get('state')).toBe(silent.request.state);
  });

  it('response types discovery does not list are refused, back at the site', async () => {
    for (const responseType of ['token', 'id_token', 'code id_token']) {
      const { url, state } = await authorizationRequest(config, { response_type: responseType });
      const answer = await authorizeWithoutRedirect(new HttpSession(), url);
      expect(answer.location, responseType).toBeTruthy();
      const back = new URL(answer.location!, idp.issuer);
      expect(back.href.startsWith(REDIRECT_URI)).toBe(true);
      // A fragment, for a response type that would have used one.
      const params = new URLSearchParams(back.hash.slice(1) || back.search);
      expect(params.get('error'), responseType).toBe('unsupported_response_type');
      expect(params.get('state')).toBe(state);
      expect(params.has('access_token') || params.has('id_token') || params.has('code')).toBe(false);
    }
  });

  it('PKCE with the plain method is refused: discovery lists S256 only', async () => {
    const { url } = await authorizationRequest(config, {
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'plain',
    });
    const answer = await authorizeWithoutRedirect(new HttpSession(), url);
    const back = new URL(answer.location!, idp.issuer);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('code')).toBeNull();
  });

  it('a wrong client secret: 401 invalid_client with a Basic challenge (RFC 6749 section 5.2)', async () => {
    const response = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${BASIC.id}:wrong-secret`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT_URI }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('oidcc-refresh-token: refreshes, rotates, and is bound to the client it was issued to', async () => {
    const authorization = await authorize(config, new HttpSession(), person, {
      scope: 'openid offline_access',
      prompt: 'consent',
    });
    const tokens = await redeem(config, authorization);
    expect(tokens.refresh_token).toBeTruthy();

    const stolen = await tokenRequest(idp.issuer, OTHER, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
    });
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe('invalid_grant');

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    // Core 12.2: the same iss, sub, aud and auth_time as the original.
    const original = tokens.claims()!;
    const renewed = (await verifyWithJwks(idp.issuer, refreshed.id_token!, BASIC.id)).payload;
    expect(renewed.iss).toBe(original.iss);
    expect(renewed.sub).toBe(original.sub);
    expect(renewed.aud).toBe(original.aud);
    expect(renewed.auth_time).toBe(original.auth_time);
    expect(renewed.iat).toBeGreaterThanOrEqual(original.iat);
    // "SHOULD NOT have a nonce Claim ...; however, if it is present, its value MUST be the same":
    // oidc-provider keeps the original one.
    expect(renewed.nonce).toBe(original.nonce);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // The old one coming back means one of the two was stolen: the new one stops working too.
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('oidcc-ensure-request-with-valid-pkce-succeeds, and a wrong verifier is refused', async () => {
    const { browser } = await signedInBrowser();
    const authorization = await authorize(config, browser, person);
    const wrong = await tokenRequest(idp.issuer, BASIC, {
      grant_type: 'authorization_code',
      code: authorization.callback.searchParams.get('code')!,
      redirect_uri: REDIRECT_URI,
      code_verifier: 'a'.repeat(43),
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');

    const again = await authorize(config, browser, person);
    expect((await redeemCode(idp.issuer, BASIC, again)).status).toBe(200);
  });
});

/**
 * oidcc-codereuse and oidcc-refresh-token with the requests sent at once:
 * one code or one refresh token, several redemptions in flight, exactly one
 * answered with tokens. On PostgreSQL as well as SQLite (and on Redis when
 * the suite runs there), since SQLite serialises writes by itself.
 */
describe.each(STORES)(
  `oidcc-codereuse and oidcc-refresh-token, concurrently, on %s${
    SUITE_ON_REDIS ? ' with short-lived state in Redis' : ''
  }`,
  (store) => {
    const PARALLEL = 6;
    const ROUNDS = 4;
    let idp: TestIdp;
    let person: TestPerson;
    let config: oidc.Configuration;
    let browser: HttpSession;

    beforeAll(async () => {
      idp = await startTestIdp({ store, clients: [staticClient(BASIC, { first_party: true })] });
      person = await registerPerson(idp);
      config = await discover(idp.issuer, BASIC.id, BASIC.secret);
      browser = new HttpSession();
      await authorize(config, browser, person);
    });

    afterAll(async () => idp?.close());

    async function expectGrantRevoked(issued: TokenAnswer) {
      const userinfo = await fetch(`${idp.issuer}/me`, {
        headers: { authorization: `Bearer ${issued.body.access_token}` },
      });
      expect(userinfo.status).toBe(401);
      if (!issued.body.refresh_token) return;
      const refresh = await tokenRequest(idp.issuer, BASIC, {
        grant_type: 'refresh_token',
        refresh_token: issued.body.refresh_token,
      });
      expect(refresh.body.error).toBe('invalid_grant');
    }

    it('one code redeemed several times at once gives one token set', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const authorization = await authorize(config, browser, person);
        const answers = await Promise.all(
          Array.from({ length: PARALLEL }, () => redeemCode(idp.issuer, BASIC, authorization)),
        );
        expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
        for (const refused of answers.filter((answer) => answer.status !== 200)) {
          expect(refused.status).toBe(400);
          expect(refused.body.error).toBe('invalid_grant');
        }
        // A refused redemption is a reuse like any other: what the winner got is revoked too.
        await expectGrantRevoked(answers.find((answer) => answer.status === 200)!);
      }
    });

    it('one refresh token used several times at once gives one new token set', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const authorization = await authorize(config, browser, person, {
          scope: 'openid offline_access',
          prompt: 'consent',
        });
        const issued = await redeemCode(idp.issuer, BASIC, authorization);
        const refresh = { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token! };
        const answers = await Promise.all(
          Array.from({ length: PARALLEL }, () => tokenRequest(idp.issuer, BASIC, refresh)),
        );
        expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
        for (const refused of answers.filter((answer) => answer.status !== 200)) {
          expect(refused.status).toBe(400);
          expect(refused.body.error).toBe('invalid_grant');
        }
        // A rotated refresh token used again is a stolen one (RFC 9700 section 4.14.2): the whole grant goes.
        await expectGrantRevoked(answers.find((answer) => answer.status === 200)!);
      }
    });
  },
);
