import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ACR_PASSWORD, ACR_VALUES } from '../../idp/oidc/acr.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { HttpSession, inputValue } from '../helpers/http-session.ts';
import { STORES, startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { startLogoutReceiver } from '../helpers/logout-receiver.ts';
import { authorizationRequest, discover, oidc, REDIRECT_URI, signIn } from '../helpers/oidc-client.ts';

const INITIAL_ACCESS_TOKEN = 'registration-token-for-tests-0123456789';
const SECRET = 'a-long-client-secret-for-the-first-party-site';

describe.each(STORES)('OpenID Provider on %s', (store) => {
  let idp: TestIdp;
  let person: TestPerson;
  let receiver: Awaited<ReturnType<typeof startLogoutReceiver>>;

  beforeAll(async () => {
    receiver = await startLogoutReceiver();
    idp = await startTestIdp({
      store,
      initialAccessToken: INITIAL_ACCESS_TOKEN,
      clients: [
        {
          client_id: 'extranet',
          client_secret: SECRET,
          client_name: 'Extranet',
          first_party: true,
          redirect_uris: [REDIRECT_URI],
          post_logout_redirect_uris: ['http://127.0.0.1:9/signed-out'],
          grant_types: ['authorization_code', 'refresh_token'],
          backchannel_logout_uri: receiver.url,
          backchannel_logout_session_required: true,
        },
        {
          client_id: 'public-app',
          client_name: 'Public App',
          token_endpoint_auth_method: 'none',
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token'],
        },
      ],
    });
    person = await registerPerson(idp);
  });

  afterAll(async () => {
    await idp?.close();
    await receiver?.close();
  });

  test('discovery announces the profile: code + S256 only, both acr levels, logout and registration', async () => {
    const config = await discover(idp.issuer, 'extranet', SECRET);
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(idp.issuer);
    expect(metadata.response_types_supported).toEqual(['code']);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.acr_values_supported).toEqual(ACR_VALUES);
    expect(metadata.backchannel_logout_supported).toBe(true);
    expect(metadata.end_session_endpoint).toBe(`${idp.issuer}/session/end`);
    expect(metadata.registration_endpoint).toBe(`${idp.issuer}/reg`);
    expect(metadata.introspection_endpoint).toBeDefined();
    expect(metadata.revocation_endpoint).toBeDefined();
    const jwks = (await (await fetch(metadata.jwks_uri!)).json()) as { keys: { alg: string; d?: string }[] };
    // Each algorithm's key for this period, and its successor published ahead of time.
    expect(jwks.keys.map((key) => key.alg).sort()).toEqual(['ES256', 'ES256', 'RS256', 'RS256']);
    expect(jwks.keys.every((key) => key.d === undefined)).toBe(true);
  });

  test('code flow with PKCE signs in a first-party site without consent; the ID token is verified', async () => {
    const config = await discover(idp.issuer, 'extranet', SECRET);
    const tokens = await signIn(config, new HttpSession(), person, { consent: false });
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(idp.issuer);
    expect(claims.aud).toBe('extranet');
    expect(claims.acr).toBe(ACR_PASSWORD);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.sub).not.toContain('@');
    expect(claims.sub).not.toContain(person.email);
  });

  test('refresh tokens rotate: the used one is refused afterwards', async () => {
    const config = await discover(idp.issuer, 'extranet', SECRET);
    const tokens = await signIn(config, new HttpSession(), person, {
      params: { scope: 'openid offline_access', prompt: 'consent' },
    });
    expect(tokens.refresh_token).toBeDefined();
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeDefined();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  test('userinfo releases claims by scope', async () => {
    const config = await discover(idp.issuer, 'extranet', SECRET);
    const emailOnly = await signIn(config, new HttpSession(), person, { params: { scope: 'openid email' } });
    const sub = emailOnly.claims()!.sub;
    const mailClaims = await oidc.fetchUserInfo(config, emailOnly.access_token, sub);
    expect(mailClaims.email).toBe(person.email);
    expect(mailClaims.email_verified).toBe(true);
    expect(mailClaims.given_name).toBeUndefined();

    const profile = await signIn(config, new HttpSession(), person, {
      params: { scope: 'openid profile address' },
    });
    const profileClaims = await oidc.fetchUserInfo(config, profile.access_token, sub);
    expect(profileClaims).toMatchObject({ given_name: 'Ada', family_name: 'Lovelace', name: 'Ada Lovelace' });
    expect(profileClaims.address).toEqual({ country: 'GB', postal_code: 'SW1A 1AA' });
    expect(profileClaims.email).toBeUndefined();
  });

  test('introspection sees an access token as active until it is revoked', async () => {
    const config = await discover(idp.issuer, 'extranet', SECRET);
    const tokens = await signIn(config, new HttpSession(), person);
    const before = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(before.active).toBe(true);
    expect(before.client_id).toBe('extranet');
    await oidc.tokenRevocation(config, tokens.access_token);
    const after = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(after.active).toBe(false);
  });

  test('a public client must use PKCE', async () => {
    const config = await discover(idp.issuer, 'public-app');
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      state: 'abc',
    });
    const response = await new HttpSession().request(url);
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(location.href.startsWith(REDIRECT_URI)).toBe(true);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('code')).toBeNull();
  });

  test('a confidential client must use PKCE too', async () => {
    const config = await discover(idp.issuer, 'extranet', SECRET);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      state: 'abc',
    });
    const response = await new HttpSession().request(url);
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!, idp.issuer);
    expect(location.href.startsWith(REDIRECT_URI)).toBe(true);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toContain('PKCE');
  });

  test('an unknown redirect_uri gets an error page, never a redirect', async () => {
    const config = await discover(idp.issuer, 'public-app');
    const { url } = await authorizationRequest(config, { redirect_uri: 'https://attacker.example/callback' });
    const response = await new HttpSession().request(url);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('redirect_uri');
  });

  test('signing out at the IdP sends a verifiable back-channel logout token to the site', async () => {
    const config = await discover(idp.issuer, 'extranet', SECRET);
    const browser = new HttpSession();
    const tokens = await signIn(config, browser, person);
    const idToken = tokens.claims()!;
    const seen = receiver.tokens.length;

    const logoutUrl = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'http://127.0.0.1:9/signed-out',
    });
    const page = await browser.request(logoutUrl);
    const html = await page.text();
    expect(html).toContain('Sign out of Passport and all sites');
    const action = /<form[^>]*action="([^"]+)"/.exec(html)![1]!;
    const done = await browser.request(new URL(action.replace(/&amp;/g, '&'), idp.issuer), {
      form: { xsrf: inputValue(html, 'xsrf')!, logout: 'yes' },
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toContain('http://127.0.0.1:9/signed-out');

    const logoutToken = await receiver.next(seen);
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(logoutToken, jwks, {
      issuer: idp.issuer,
      audience: 'extranet',
    });
    // Back-Channel Logout 1.0 section 2.4: explicitly typed, so it cannot pass for an ID token.
    expect(protectedHeader.typ).toBe('logout+jwt');
    expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
    expect(payload.sub).toBe(idToken.sub);
    expect(payload.sid).toBe(idToken.sid);
    expect(payload.nonce).toBeUndefined();
  });

  test('dynamic registration needs the initial access token', async () => {
    const metadata = {
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      client_name: 'Self-made',
    };
    await expect(
      oidc.dynamicClientRegistration(new URL(idp.issuer), metadata, undefined, {
        execute: [oidc.allowInsecureRequests],
      }),
    ).rejects.toThrow();

    const config = await oidc.dynamicClientRegistration(new URL(idp.issuer), metadata, oidc.None(), {
      initialAccessToken: INITIAL_ACCESS_TOKEN,
      execute: [oidc.allowInsecureRequests],
    });
    const clientId = config.clientMetadata().client_id;
    expect(clientId).toBeTruthy();
    const tokens = await signIn(config, new HttpSession(), person);
    expect(tokens.claims()!.aud).toBe(clientId);
  });

  test('a self-registered client cannot make itself first-party', async () => {
    const response = await fetch(`${idp.issuer}/reg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INITIAL_ACCESS_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT_URI], first_party: true }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client_metadata');
  });
  async function register(metadata: Record<string, unknown>) {
    const response = await fetch(`${idp.issuer}/reg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INITIAL_ACCESS_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(metadata),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  test('a self-registered client needs https redirect and logout addresses, except on loopback', async () => {
    const plain = await register({ redirect_uris: ['http://app.example/callback'] });
    expect(plain.status).toBe(400);
    expect(plain.body.error).toBe('invalid_redirect_uri');

    const plainLogout = await register({
      redirect_uris: ['https://app.example/callback'],
      post_logout_redirect_uris: ['http://app.example/signed-out'],
    });
    expect(plainLogout.status).toBe(400);
    expect(plainLogout.body.error).toBe('invalid_client_metadata');

    const plainBackchannel = await register({
      redirect_uris: ['https://app.example/callback'],
      backchannel_logout_uri: 'http://app.example/logout',
    });
    expect(plainBackchannel.status).toBe(400);
    expect(plainBackchannel.body.error).toBe('invalid_client_metadata');

    const secure = await register({
      redirect_uris: ['https://app.example/callback', 'http://localhost:8080/callback'],
      post_logout_redirect_uris: ['https://app.example/signed-out'],
    });
    expect(secure.status).toBe(201);
  });

  test("a self-registered name is at most 100 characters and cannot be a configured site's name", async () => {
    const long = await register({ redirect_uris: [REDIRECT_URI], client_name: 'x'.repeat(101) });
    expect(long.status).toBe(400);
    expect(long.body.error).toBe('invalid_client_metadata');

    const lookalike = await register({ redirect_uris: [REDIRECT_URI], client_name: ' extranet ' });
    expect(lookalike.status).toBe(400);
    expect(lookalike.body.error).toBe('invalid_client_metadata');

    const ours = await register({ redirect_uris: [REDIRECT_URI], client_name: 'PASSPORT' });
    expect(ours.status).toBe(400);

    const longLogo = await register({
      redirect_uris: [REDIRECT_URI],
      logo_uri: `https://app.example/${'x'.repeat(5000)}.png`,
    });
    expect(longLogo.status).toBe(400);

    const many = await register({
      redirect_uris: Array.from({ length: 51 }, (_, index) => `https://app.example/callback/${index}`),
    });
    expect(many.status).toBe(400);

    const fits = await register({ redirect_uris: [REDIRECT_URI], client_name: 'x'.repeat(100) });
    expect(fits.status).toBe(201);
  });

  test("a self-registered back-channel logout address on a configured site's host gets no request", async () => {
    const trustedOrigin = new URL(receiver.url).origin;
    const registered = await oidc.dynamicClientRegistration(
      new URL(idp.issuer),
      {
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'none',
        client_name: 'Neighbour',
        backchannel_logout_uri: `${trustedOrigin}/not-the-site`,
      },
      oidc.None(),
      { initialAccessToken: INITIAL_ACCESS_TOKEN, execute: [oidc.allowInsecureRequests] },
    );
    const browser = new HttpSession();
    const tokens = await signIn(registered, browser, person);

    const page = await browser.request(
      oidc.buildEndSessionUrl(registered, { id_token_hint: tokens.id_token! }),
    );
    const html = await page.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)![1]!;
    const done = await browser.request(new URL(action.replace(/&amp;/g, '&'), idp.issuer), {
      form: { xsrf: inputValue(html, 'xsrf')!, logout: 'yes' },
    });
    // oidc-provider answers only once every back-channel request has been tried.
    expect(done.status).toBe(303);
    expect(receiver.paths).not.toContain('/not-the-site');
  });
});

describe('OpenID Provider without an initial access token', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp();
  });
  afterAll(async () => idp?.close());

  test('has no registration endpoint at all', async () => {
    const config = await discover(idp.issuer, 'nobody');
    expect(config.serverMetadata().registration_endpoint).toBeUndefined();
    const response = await fetch(`${idp.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT_URI] }),
    });
    expect(response.status).toBe(404);
  });
});
