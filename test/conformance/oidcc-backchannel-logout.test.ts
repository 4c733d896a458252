import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { authorize, endSession, type oidc, redeem, verifyWithJwks } from '../helpers/conformance.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { startLogoutReceiver } from '../helpers/logout-receiver.ts';
import { discover, REDIRECT_URI } from '../helpers/oidc-client.ts';

/**
 * The OpenID Foundation's oidcc-backchannel-rp-initiated-logout-certification-test-plan
 * (Back-Channel Logout 1.0): the discovery module, then the logout module's
 * checks of the request and of the logout token, one by one.
 */
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const POST_LOGOUT = 'http://127.0.0.1:9/post_logout_redirect';
const SITE_A = { id: 'rp-backchannel-a', secret: 'conformance-backchannel-a-secret-0123456789' };
const SITE_B = { id: 'rp-backchannel-b', secret: 'conformance-backchannel-b-secret-0123456789' };

type Receiver = Awaited<ReturnType<typeof startLogoutReceiver>>;

describe('oidcc-backchannel-rp-initiated-logout-certification-test-plan', () => {
  let idp: TestIdp;
  let person: TestPerson;
  let receiverA: Receiver;
  let receiverB: Receiver;
  let configA: oidc.Configuration;
  let configB: oidc.Configuration;

  beforeAll(async () => {
    receiverA = await startLogoutReceiver();
    receiverB = await startLogoutReceiver();
    const site = (client: typeof SITE_A, receiver: Receiver, sessionRequired: boolean) => ({
      client_id: client.id,
      client_secret: client.secret,
      redirect_uris: [REDIRECT_URI],
      post_logout_redirect_uris: [POST_LOGOUT],
      backchannel_logout_uri: receiver.url,
      backchannel_logout_session_required: sessionRequired,
    });
    idp = await startTestIdp({ clients: [site(SITE_A, receiverA, true), site(SITE_B, receiverB, false)] });
    person = await registerPerson(idp);
    configA = await discover(idp.issuer, SITE_A.id, SITE_A.secret);
    configB = await discover(idp.issuer, SITE_B.id, SITE_B.secret);
  });

  afterAll(async () => {
    await idp?.close();
    await receiverA?.close();
    await receiverB?.close();
  });

  it('oidcc-backchannel-logout-discovery-endpoint-verification', () => {
    const metadata = configA.serverMetadata();
    // CheckDiscEndpointBackchannelLogoutSupported, ...SessionSupported, CheckDiscEndSessionEndpoint.
    expect(metadata.backchannel_logout_supported).toBe(true);
    expect(metadata.backchannel_logout_session_supported).toBe(true);
    expect(metadata.end_session_endpoint).toBe(`${idp.issuer}/session/end`);
    const endpoint = new URL(metadata.end_session_endpoint!);
    expect(endpoint.protocol === 'https:' || endpoint.hostname === 'localhost').toBe(true);
  });

  it('a logout names the session that ended: the same person elsewhere stays signed in', async () => {
    const laptop = new HttpSession();
    const phone = new HttpSession();
    const onLaptop = await redeem(configA, await authorize(configA, laptop, person));
    const onPhone = (await redeem(configA, await authorize(configA, phone, person))).claims()!;
    expect(onPhone.sid).not.toBe(onLaptop.claims()!.sid);

    const seen = receiverA.tokens.length;
    await endSession(laptop, idp.issuer, { id_token_hint: onLaptop.id_token! });
    const logout = (await verifyWithJwks(idp.issuer, await receiverA.next(seen), SITE_A.id)).payload;
    expect(logout.sid).toBe(onLaptop.claims()!.sid);

    const silent = await authorize(configA, phone, undefined, { prompt: 'none' });
    expect(silent.callback.searchParams.get('code')).toBeTruthy();
    expect(
      receiverA.tokens
        .slice(seen)
        .map((token) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid),
    ).not.toContain(onPhone.sid);
  });

  describe('oidcc-backchannel-rp-initiated-logout', () => {
    let browser: HttpSession;
    let idTokenA: oidc.IDToken;
    let idTokenB: oidc.IDToken;
    let idTokenAlg: string;
    let logoutA: string;
    let logoutB: string;
    let redirect: URL | null;

    // The module: sign in to both sites in one browser, sign out from site A.
    beforeAll(async () => {
      browser = new HttpSession();
      const tokensA = await redeem(configA, await authorize(configA, browser, person));
      const tokensB = await redeem(configB, await authorize(configB, browser, person));
      idTokenA = tokensA.claims()!;
      idTokenB = tokensB.claims()!;
      idTokenAlg = decodeProtectedHeader(tokensA.id_token!).alg!;
      const seenA = receiverA.tokens.length;
      const seenB = receiverB.tokens.length;
      const answer = await endSession(browser, idp.issuer, {
        id_token_hint: tokensA.id_token!,
        post_logout_redirect_uri: POST_LOGOUT,
        state: 'backchannel-state',
      });
      expect(answer.asked).toBe(true);
      redirect = answer.location;
      [logoutA, logoutB] = await Promise.all([receiverA.next(seenA), receiverB.next(seenB)]);
    });

    it('CheckPostLogoutState: the browser goes back to the site with its state', () => {
      expect(redirect?.href).toBe(`${POST_LOGOUT}?state=backchannel-state`);
    });

    it('ExtractLogoutTokenFromBackchannelLogoutRequest, CheckForUnexpectedParametersInBackchannelLogoutRequest', () => {
      const request = receiverA.requests.find((sent) => sent.params.get('logout_token') === logoutA)!;
      expect(request.method).toBe('POST');
      expect(request.contentType).toMatch(/^application\/x-www-form-urlencoded/);
      expect([...request.params.keys()]).toEqual(['logout_token']);
    });

    it('ValidateLogoutTokenSignature: signed with a published key, the ID token algorithm, typed logout+jwt', async () => {
      for (const [token, client] of [
        [logoutA, SITE_A.id],
        [logoutB, SITE_B.id],
      ] as const) {
        const { protectedHeader } = await verifyWithJwks(idp.issuer, token, client);
        expect(protectedHeader.alg).toBe(idTokenAlg);
        expect(protectedHeader.alg).not.toBe('none');
        // Section 2.4: explicitly typed, so a logout token cannot pass for an ID token.
        expect(protectedHeader.typ).toBe('logout+jwt');
      }
    });

    it('ValidateLogoutTokenClaims: iss, aud, iat, jti and exactly the logout event', async () => {
      const { payload } = await verifyWithJwks(idp.issuer, logoutA, SITE_A.id);
      expect(payload.iss).toBe(idp.issuer);
      expect(payload.aud).toBe(SITE_A.id);
      expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(60);
      // Required since the final Back-Channel Logout 1.0 (section 2.4), which the suite predates.
      expect(payload.exp).toBeGreaterThan(payload.iat!);
      expect(payload.jti).toBeTruthy();
      expect(payload.events).toEqual({ [EVENT]: {} });
    });

    it('CheckIdTokenSubMatchesLogoutToken, CheckIdTokenSidMatchesLogoutToken, CheckLogoutTokenHasSubOrSid', async () => {
      const a = (await verifyWithJwks(idp.issuer, logoutA, SITE_A.id)).payload;
      expect(a.sub).toBe(idTokenA.sub);
      expect(a.sid).toBeTruthy();
      expect(a.sid).toBe(idTokenA.sid);
      const b = (await verifyWithJwks(idp.issuer, logoutB, SITE_B.id)).payload;
      expect(b.sub ?? b.sid).toBeTruthy();
      if (b.sub) expect(b.sub).toBe(idTokenB.sub);
      if (b.sid) expect(b.sid).toBe(idTokenB.sid);
    });

    it('CheckLogoutTokenNoNonce', async () => {
      for (const [token, client] of [
        [logoutA, SITE_A.id],
        [logoutB, SITE_B.id],
      ] as const) {
        expect((await verifyWithJwks(idp.issuer, token, client)).payload).not.toHaveProperty('nonce');
      }
    });

    it('each logout token is its own: a fresh jti per site', async () => {
      const a = (await verifyWithJwks(idp.issuer, logoutA, SITE_A.id)).payload;
      const b = (await verifyWithJwks(idp.issuer, logoutB, SITE_B.id)).payload;
      expect(a.jti).not.toBe(b.jti);
    });

    it('the module closes with prompt=none: nobody is signed in any more', async () => {
      for (const config of [configA, configB]) {
        const silent = await authorize(config, browser, undefined, { prompt: 'none' });
        expect(silent.callback.searchParams.get('error')).toBe('login_required');
      }
    });
  });
});
