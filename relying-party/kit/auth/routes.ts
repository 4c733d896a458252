import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import { z } from 'zod';
import type { SiteConfig } from '../../../shared/config/site.ts';
import { DomainError } from '../../../shared/http/errors.ts';
import type { KitDatabase } from '../tables.ts';
import type { CookieNames } from './cookies.ts';
import type { IdpClient } from './idp-client.ts';
import { InvalidLogoutToken } from './logout-token.ts';
import { createSession, endSession, endSessionsFor, findSession } from './sessions.ts';

/** Passport hands it back on the way home from a sign-out, so the front door can say so. */
export const SIGNED_OUT_STATE = 'signed-out';

const flowSchema = z.object({
  state: z.string(),
  nonce: z.string(),
  verifier: z.string(),
  returnTo: z.string(),
  silent: z.boolean().default(false),
});

// What Passport answers a prompt=none request when it would have to ask the person something.
const NOT_SILENTLY = new Set([
  'login_required',
  'consent_required',
  'interaction_required',
  'account_selection_required',
]);

/** The front door's address for a browser that keeps no cookies: no silent round trip, ever. */
export const ANONYMOUS_FRONT_DOOR = '/?passport=skip';

export class SignInFailed extends DomainError {
  override name = 'SignInFailed';
  /** `reason`: a catalogue key under `sign_in.` saying what went wrong. */
  constructor(reason = 'failed') {
    super(400, 'sign_in_failed', { messageKey: `sign_in.${reason}` });
  }
}

type Deps = {
  config: SiteConfig;
  db: KitDatabase;
  cookies: CookieNames;
  /** Ask Passport's userinfo for e-mail and name at each sign-in (the ID token does not carry them). */
  userinfo: boolean;
  idp: IdpClient;
  verifyLogoutToken: (token: unknown) => Promise<{ sid?: string; subject?: string }>;
};

// Passport's levels, weakest first (its discovery document's acr_values_supported): a
// session proved with the key also answers a site that asks only for the password.
const ACR_LEVELS = ['urn:passport:acr:password', 'urn:passport:acr:strong'];

/** Whether the level the IdP vouched for is the one the site requires, or a stronger one. */
export function meetsLevel(acr: unknown, required: string): boolean {
  if (acr === required) return true;
  const needed = ACR_LEVELS.indexOf(required);
  return needed >= 0 && typeof acr === 'string' && ACR_LEVELS.indexOf(acr) > needed;
}

/** Only paths of this site, so a crafted return address cannot send people elsewhere. */
export function localPath(value: unknown, fallback = '/'): string {
  return typeof value === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(value) && value.length < 500
    ? value
    : fallback;
}

export async function authRoutes(
  app: FastifyInstance,
  { config, db, cookies, userinfo, idp, verifyLogoutToken }: Deps,
) {
  const secure = config.url.startsWith('https://');
  const FLOW_COOKIE = cookies.flow;
  const SESSION_COOKIE = cookies.session;
  const SILENT_COOKIE = cookies.silent;

  app.get<{ Querystring: { return?: string; fresh?: string; silent?: string } }>(
    '/auth/sign-in',
    async (request, reply) => {
      const silent = request.query.silent === '1';
      // The front door set the cookie on the way here; a client that did not keep it would loop.
      if (silent && !request.cookies[SILENT_COOKIE]) return reply.redirect(ANONYMOUS_FRONT_DOOR, 303);
      return beginSignIn(reply, {
        language: request.language,
        returnTo: localPath(request.query.return),
        fresh: request.query.fresh === '1',
        silent,
      });
    },
  );

  /** Marks this browser session as one that has been to Passport (see SILENT_COOKIE). */
  function rememberPassportVisit(reply: FastifyReply) {
    reply.setCookie(SILENT_COOKIE, '1', { httpOnly: true, sameSite: 'lax', secure, path: '/' });
  }

  async function beginSignIn(
    reply: FastifyReply,
    options: { language: string; returnTo: string; fresh: boolean; silent: boolean },
  ) {
    const configuration = await idp.configuration();
    const flow = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      returnTo: options.returnTo,
      silent: options.silent,
    };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: idp.redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
      acr_values: config.requiredAcr,
      // The language the person reads this site in: Passport speaks it too, and back here it still holds.
      ui_locales: options.language,
      // An association link demands a fresh sign-in: proof the person is here now.
      ...(options.fresh ? { prompt: 'login' } : options.silent ? { prompt: 'none' } : {}),
    });
    reply.setCookie(FLOW_COOKIE, JSON.stringify(flow), {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      secure,
      path: '/auth',
      maxAge: 10 * 60,
    });
    rememberPassportVisit(reply);
    return reply.redirect(url.href, 303);
  }

  app.get('/auth/callback', async (request, reply) => {
    const flow = readFlow(request);
    reply.clearCookie(FLOW_COOKIE, { path: '/auth' });
    const callbackUrl = new URL(request.url, config.url);
    const error = callbackUrl.searchParams.get('error');
    // Passport has no session to offer, or would have to ask: the visitor stays anonymous.
    if (error && (flow?.silent || (!flow && NOT_SILENTLY.has(error)))) {
      return reply.redirect(flow?.returnTo ?? ANONYMOUS_FRONT_DOOR, 303);
    }
    if (error) {
      throw new SignInFailed(error === 'access_denied' ? 'cancelled' : 'passport_refused');
    }
    if (!flow) throw new SignInFailed('expired');
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(await idp.configuration(), callbackUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (failure) {
      // The reason only: the error's details can hold the callback's parameters (code, state).
      const { message, code } = failure as { message?: string; code?: string };
      request.log.warn({ reason: message, code }, 'sign-in callback refused');
      if (flow.silent) return reply.redirect(flow.returnTo, 303);
      throw new SignInFailed();
    }
    const claims = tokens.claims()!;
    // The site asked for its level (CustomerSource: the strong one); anything else is not a sign-in here.
    if (!meetsLevel(claims.acr, config.requiredAcr)) {
      if (flow.silent) return reply.redirect(flow.returnTo, 303);
      throw new SignInFailed('security_key_needed');
    }
    const profile = await profileClaims(tokens, claims);
    // A sign-in starts a new session: the one this browser had (perhaps someone else's) ends here.
    const previous = request.cookies[SESSION_COOKIE];
    if (previous) await endSession(db, previous);
    const sessionId = await createSession(db, {
      issuer: claims.iss,
      subject: claims.sub,
      idpSid: typeof claims.sid === 'string' ? claims.sid : null,
      idToken: tokens.id_token!,
      authenticatedAt: (claims.auth_time ?? claims.iat) * 1000,
      acr: typeof claims.acr === 'string' ? claims.acr : null,
      email: profile.email,
      name: profile.name,
      ttlMs: config.sessionSeconds * 1000,
    });
    reply.setCookie(SESSION_COOKIE, sessionId, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
    return reply.redirect(flow.returnTo, 303);
  });

  // A site may ask for Passport's sign-out too (`everywhere=yes`); otherwise Passport asks once.
  app.post<{ Body: { everywhere?: unknown } | undefined }>('/auth/sign-out', async (request, reply) => {
    const sessionId = request.cookies[SESSION_COOKIE];
    const session = await findSession(db, sessionId);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    // Signed out here is signed out: the next visit in this browser session does not sign in silently.
    rememberPassportVisit(reply);
    if (!session || !sessionId) return reply.redirect('/', 303);
    await endSession(db, sessionId);
    const url = oidc.buildEndSessionUrl(await idp.configuration(), {
      id_token_hint: session.id_token,
      post_logout_redirect_uri: `${config.url}/`,
      state: SIGNED_OUT_STATE,
      ...(request.body?.everywhere === 'yes' ? { sign_out: 'all' } : {}),
    });
    return reply.redirect(url.href, 303);
  });

  app.post<{ Body: { logout_token?: unknown } }>('/auth/backchannel-logout', async (request, reply) => {
    try {
      const target = await verifyLogoutToken(request.body?.logout_token);
      await endSessionsFor(db, { issuer: config.issuer, ...target });
      return reply.code(200).send();
    } catch (error) {
      if (!(error instanceof InvalidLogoutToken)) throw error;
      request.log.warn({ reason: error.message }, 'logout token refused');
      return reply.code(400).send({ error: 'invalid_request', error_description: error.message });
    }
  });

  /**
   * The person's e-mail and name: Passport keeps the ID token small and answers
   * them at its userinfo endpoint (asked once per sign-in, with the access token
   * just issued). A site may suggest them in a form; it never knows a person by them.
   */
  async function profileClaims(
    tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>,
    claims: oidc.IDToken,
  ): Promise<{ email: string | null; name: string | null }> {
    let source: Record<string, unknown> = claims;
    if (userinfo && typeof claims.email !== 'string') {
      // Without them the sign-in still stands: the claims are a convenience, the identity is iss + sub.
      source = await oidc
        .fetchUserInfo(await idp.configuration(), tokens.access_token, claims.sub)
        .catch(() => ({}));
    }
    return {
      email: typeof source.email === 'string' ? source.email : null,
      name: typeof source.name === 'string' ? source.name : null,
    };
  }

  function readFlow(request: FastifyRequest) {
    const raw = request.cookies[FLOW_COOKIE];
    if (!raw) return undefined;
    const unsigned = request.unsignCookie(raw);
    if (!unsigned.valid || !unsigned.value) return undefined;
    try {
      return flowSchema.parse(JSON.parse(unsigned.value));
    } catch {
      return undefined;
    }
  }
}
