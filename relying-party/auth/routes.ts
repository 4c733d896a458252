import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import { z } from 'zod';
import type { RelyingPartyConfig } from '../../shared/config/relying-party.ts';
import { DomainError } from '../../shared/http/errors.ts';
import type { RelyingPartyDatabase } from '../database.ts';
import { SESSION_COOKIE } from './cookies.ts';
import type { IdpClient } from './idp-client.ts';
import { InvalidLogoutToken } from './logout-token.ts';
import { createSession, endSession, endSessionsFor, findSession } from './sessions.ts';

const FLOW_COOKIE = 'rp_auth_flow';

const flowSchema = z.object({
  state: z.string(),
  nonce: z.string(),
  verifier: z.string(),
  returnTo: z.string(),
});

export class SignInFailed extends DomainError {
  override name = 'SignInFailed';
  constructor(message = 'The sign-in could not be completed. Please try again.') {
    super(400, 'Sign-in failed', message);
  }
}

type Deps = {
  config: RelyingPartyConfig;
  db: RelyingPartyDatabase;
  idp: IdpClient;
  verifyLogoutToken: (token: unknown) => Promise<{ sid?: string; subject?: string }>;
};

/** Only paths of this site, so a crafted return address cannot send people elsewhere. */
export function localPath(value: unknown, fallback = '/'): string {
  return typeof value === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(value) && value.length < 500
    ? value
    : fallback;
}

export async function authRoutes(app: FastifyInstance, { config, db, idp, verifyLogoutToken }: Deps) {
  const secure = config.url.startsWith('https://');

  app.get<{ Querystring: { return?: string; fresh?: string } }>('/auth/sign-in', async (request, reply) => {
    return beginSignIn(reply, {
      returnTo: localPath(request.query.return),
      fresh: request.query.fresh === '1',
      language: request.language,
    });
  });

  async function beginSignIn(
    reply: FastifyReply,
    options: { returnTo: string; fresh: boolean; language: string },
  ) {
    const configuration = await idp.configuration();
    const flow = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      returnTo: options.returnTo,
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
      ...(options.fresh ? { prompt: 'login' } : {}),
    });
    reply.setCookie(FLOW_COOKIE, JSON.stringify(flow), {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      secure,
      path: '/auth',
      maxAge: 10 * 60,
    });
    return reply.redirect(url.href, 303);
  }

  app.get('/auth/callback', async (request, reply) => {
    const flow = readFlow(request);
    reply.clearCookie(FLOW_COOKIE, { path: '/auth' });
    const callbackUrl = new URL(request.url, config.url);
    const error = callbackUrl.searchParams.get('error');
    if (error) {
      throw new SignInFailed(
        error === 'access_denied'
          ? 'You cancelled the sign-in.'
          : 'Passport could not sign you in. Please try again.',
      );
    }
    if (!flow)
      throw new SignInFailed(
        'This sign-in has expired or was started in another browser. Please sign in again.',
      );
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
      throw new SignInFailed();
    }
    const claims = tokens.claims()!;
    // The site asked for the strong level; anything less is not a sign-in here.
    if (claims.acr !== config.requiredAcr) {
      throw new SignInFailed('This site needs your Passport security key. Please sign in again.');
    }
    const sessionId = await createSession(db, {
      issuer: claims.iss,
      subject: claims.sub,
      idpSid: typeof claims.sid === 'string' ? claims.sid : null,
      idToken: tokens.id_token!,
      authenticatedAt: (claims.auth_time ?? claims.iat) * 1000,
      ttlMs: config.sessionSeconds * 1000,
    });
    reply.setCookie(SESSION_COOKIE, sessionId, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
    return reply.redirect(flow.returnTo, 303);
  });

  app.post('/auth/sign-out', async (request, reply) => {
    const sessionId = request.cookies[SESSION_COOKIE];
    const session = await findSession(db, sessionId);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    if (!session || !sessionId) return reply.redirect('/', 303);
    await endSession(db, sessionId);
    const url = oidc.buildEndSessionUrl(await idp.configuration(), {
      id_token_hint: session.id_token,
      post_logout_redirect_uri: `${config.url}/`,
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
