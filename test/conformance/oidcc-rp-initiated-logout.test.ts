import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { authorize, clock, endSession, redeem } from '../helpers/conformance.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { discover, type oidc, REDIRECT_URI } from '../helpers/oidc-client.ts';

/**
 * The OpenID Foundation's oidcc-rp-initiated-logout-certification-test-plan
 * (RP-Initiated Logout 1.0), module by module. The IdP always asks the person
 * before signing out (section 2 lets it), so "the OP logs the user out" means:
 * the question is shown, the person answers it, and afterwards prompt=none
 * finds nobody signed in.
 */
const CLIENT = { id: 'rp-logout', secret: 'conformance-logout-client-secret-0123456789' };
const POST_LOGOUT = 'http://127.0.0.1:9/post_logout_redirect';

describe('oidcc-rp-initiated-logout-certification-test-plan', () => {
  let idp: TestIdp;
  let person: TestPerson;
  let config: oidc.Configuration;

  beforeAll(async () => {
    idp = await startTestIdp({
      // A session that outlives its ID token (an hour), for the expired-hint case.
      env: { IDP_SESSION_IDLE_MINUTES: '180' },
      clients: [
        {
          client_id: CLIENT.id,
          client_secret: CLIENT.secret,
          redirect_uris: [REDIRECT_URI],
          post_logout_redirect_uris: [POST_LOGOUT],
        },
      ],
    });
    person = await registerPerson(idp);
    config = await discover(idp.issuer, CLIENT.id, CLIENT.secret);
  });

  afterAll(async () => {
    await idp?.close();
    clock.restore();
  });

  async function signedIn() {
    const browser = new HttpSession();
    const tokens = await redeem(config, await authorize(config, browser, person));
    return { browser, idToken: tokens.id_token! };
  }

  /** The module's closing check: a silent request after the logout. */
  async function expectSignedOut(browser: HttpSession) {
    const silent = await authorize(config, browser, undefined, { prompt: 'none' });
    expect(silent.callback.searchParams.get('error')).toBe('login_required');
  }

  async function expectStillSignedIn(browser: HttpSession) {
    const silent = await authorize(config, browser, undefined, { prompt: 'none' });
    expect(silent.callback.searchParams.get('code')).toBeTruthy();
  }

  /** "The OP must not redirect back": an error page, and the site's address is nowhere. */
  function expectNoRedirect(answer: Awaited<ReturnType<typeof endSession>>) {
    expect(answer.asked).toBe(false);
    expect(answer.status).toBe(400);
    expect(answer.location).toBeNull();
    expect(answer.html).not.toContain(POST_LOGOUT);
  }

  it('oidcc-rp-initiated-logout-discovery-endpoint-verification', async () => {
    const endSessionEndpoint = config.serverMetadata().end_session_endpoint!;
    expect(endSessionEndpoint).toBe(`${idp.issuer}/session/end`);
    const url = new URL(endSessionEndpoint);
    expect(url.protocol === 'https:' || url.hostname === 'localhost').toBe(true);
  });

  it('oidcc-rp-initiated-logout: back to post_logout_redirect_uri with the state, and nothing else', async () => {
    const { browser, idToken } = await signedIn();
    const answer = await endSession(browser, idp.issuer, {
      id_token_hint: idToken,
      post_logout_redirect_uri: POST_LOGOUT,
      state: 'end-session-state-1',
    });
    expect(answer.asked).toBe(true);
    expect(answer.status).toBe(303);
    expect(`${answer.location!.origin}${answer.location!.pathname}`).toBe(POST_LOGOUT);
    // CheckPostLogoutState and CheckForUnexpectedParametersInPostLogoutRedirect.
    expect([...answer.location!.searchParams]).toEqual([['state', 'end-session-state-1']]);
    await expectSignedOut(browser);
  });

  it('oidcc-rp-initiated-logout-bad-post-logout-redirect-uri: an error page, still signed in', async () => {
    const { browser, idToken } = await signedIn();
    const answer = await endSession(browser, idp.issuer, {
      id_token_hint: idToken,
      post_logout_redirect_uri: 'https://attacker.example/post_logout_redirect',
      state: 'end-session-state-2',
    });
    expectNoRedirect(answer);
    expect(answer.html).toContain('post_logout_redirect_uri');
    await expectStillSignedIn(browser);
  });

  it('oidcc-rp-initiated-logout-query-added-to-post-logout-redirect-uri: an error page', async () => {
    const { browser, idToken } = await signedIn();
    const answer = await endSession(browser, idp.issuer, {
      id_token_hint: idToken,
      post_logout_redirect_uri: `${POST_LOGOUT}?foo=bar`,
      state: 'end-session-state-3',
    });
    expectNoRedirect(answer);
    await expectStillSignedIn(browser);
  });

  it('oidcc-rp-initiated-logout-modified-id-token-hint: an ID token turned alg:none is refused', async () => {
    const { browser, idToken } = await signedIn();
    const [, payload] = idToken.split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
    const answer = await endSession(browser, idp.issuer, {
      id_token_hint: unsigned,
      post_logout_redirect_uri: POST_LOGOUT,
      state: 'end-session-state-4',
    });
    expectNoRedirect(answer);
    await expectStillSignedIn(browser);
  });

  it('oidcc-rp-initiated-logout-bad-id-token-hint: an ID token signed by someone else is refused', async () => {
    const { browser, idToken } = await signedIn();
    const [, payload] = idToken.split('.');
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const kid = 'not-the-idps-key';
    expect((await exportJWK(publicKey)).kty).toBe('RSA');
    const forged = await new SignJWT(JSON.parse(Buffer.from(payload!, 'base64url').toString()))
      .setProtectedHeader({ alg: 'RS256', kid })
      .sign(privateKey);
    const answer = await endSession(browser, idp.issuer, {
      id_token_hint: forged,
      post_logout_redirect_uri: POST_LOGOUT,
      state: 'end-session-state-5',
    });
    expectNoRedirect(answer);
    await expectStillSignedIn(browser);
  });

  it('oidcc-rp-initiated-logout-no-id-token-hint: asked, and never sent to post_logout_redirect_uri', async () => {
    const { browser } = await signedIn();
    const answer = await endSession(browser, idp.issuer, {
      post_logout_redirect_uri: POST_LOGOUT,
      state: 'end-session-state-6',
    });
    // Section 3: without a hint (or a client named) the address is not trusted, so it is not used.
    expect(answer.asked).toBe(true);
    expect(answer.question).not.toContain(POST_LOGOUT);
    expect(answer.location!.href.startsWith(`${idp.issuer}/session/end/success`)).toBe(true);
    await expectSignedOut(browser);
  });

  // RP-Initiated Logout 1.0 section 3 allows the redirect without a hint when the OP has
  // "other means of confirming" the target: oidc-provider takes client_id naming a client
  // that registered this very address, and the person's answer to the question, as such.
  it('no id_token_hint but the client named: the registered address, after the person confirmed', async () => {
    const { browser } = await signedIn();
    const answer = await endSession(browser, idp.issuer, {
      client_id: CLIENT.id,
      post_logout_redirect_uri: POST_LOGOUT,
      state: 'end-session-state-7',
    });
    expect(answer.asked).toBe(true);
    expect(answer.location?.href).toBe(`${POST_LOGOUT}?state=end-session-state-7`);
    await expectSignedOut(browser);
  });

  it('oidcc-rp-initiated-logout-no-params: asked, then signed out on the IdP own page', async () => {
    const { browser } = await signedIn();
    const answer = await endSession(browser, idp.issuer, {});
    expect(answer.asked).toBe(true);
    expect(answer.status).toBe(303);
    expect(answer.location!.href.startsWith(`${idp.issuer}/session/end/success`)).toBe(true);
    const page = await browser.request(answer.location!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<h1');
    await expectSignedOut(browser);
  });

  it('oidcc-rp-initiated-logout-no-post-logout-redirect-uri: signed out on the IdP own page', async () => {
    const { browser, idToken } = await signedIn();
    const answer = await endSession(browser, idp.issuer, { id_token_hint: idToken, state: 'unused-state' });
    expect(answer.asked).toBe(true);
    expect(answer.location!.href.startsWith(`${idp.issuer}/session/end/success`)).toBe(true);
    expect(answer.location!.href).not.toContain(POST_LOGOUT);
    await expectSignedOut(browser);
  });

  it('oidcc-rp-initiated-logout-no-state: back to post_logout_redirect_uri without a state', async () => {
    const { browser, idToken } = await signedIn();
    const answer = await endSession(browser, idp.issuer, {
      id_token_hint: idToken,
      post_logout_redirect_uri: POST_LOGOUT,
    });
    expect(answer.asked).toBe(true);
    expect(answer.location!.href).toBe(POST_LOGOUT);
    await expectSignedOut(browser);
  });

  it('oidcc-rp-initiated-logout-only-state: signed out on the IdP own page', async () => {
    const { browser } = await signedIn();
    const answer = await endSession(browser, idp.issuer, { state: 'only-state' });
    expect(answer.asked).toBe(true);
    expect(answer.location!.href.startsWith(`${idp.issuer}/session/end/success`)).toBe(true);
    await expectSignedOut(browser);
  });

  // Section 2: the OP SHOULD accept an ID token whose exp has passed as the hint, when its
  // session is still there; the site signing out hours after sign-in is the common case.
  it('an expired ID token is still a good hint while its session lives', async () => {
    const { browser, idToken } = await signedIn();
    clock.advance(2 * 3600);
    const answer = await endSession(browser, idp.issuer, {
      id_token_hint: idToken,
      post_logout_redirect_uri: POST_LOGOUT,
      state: 'after-expiry',
    });
    expect(answer.asked).toBe(true);
    expect(answer.location?.href).toBe(`${POST_LOGOUT}?state=after-expiry`);
    await expectSignedOut(browser);
  });

  it('logout by form POST (section 2): the same question, the same way back', async () => {
    const { browser, idToken } = await signedIn();
    const posted = await browser.follow(`${idp.issuer}/session/end`, {
      form: { id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT, state: 'posted' },
      headers: { origin: 'http://127.0.0.1:9' },
    });
    expect(posted.response.status).toBe(200);
    const html = await posted.response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)![1]!;
    const done = await browser.request(new URL(action.replace(/&amp;/g, '&'), idp.issuer), {
      form: { xsrf: /name="xsrf" value="([^"]+)"/.exec(html)![1]!, logout: 'yes' },
    });
    expect(done.headers.get('location')).toBe(`${POST_LOGOUT}?state=posted`);
    await expectSignedOut(browser);
  });

  it('the person may decline: no sign-out, and the site still hears back', async () => {
    const { browser, idToken } = await signedIn();
    const answer = await endSession(
      browser,
      idp.issuer,
      { id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT, state: 'declined' },
      { stay: true },
    );
    expect(answer.asked).toBe(true);
    expect(answer.location?.href).toBe(`${POST_LOGOUT}?state=declined`);
    await expectStillSignedIn(browser);
  });

  it('the question cannot be answered for the person by another site (its xsrf token is checked)', async () => {
    const { browser, idToken } = await signedIn();
    const page = await browser.request(`${idp.issuer}/session/end?id_token_hint=${idToken}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(await page.text())![1]!;
    const forged = await browser.request(new URL(action.replace(/&amp;/g, '&'), idp.issuer), {
      form: { xsrf: 'forged', logout: 'yes' },
    });
    expect(forged.status).toBe(400);
    await expectStillSignedIn(browser);
  });
});
