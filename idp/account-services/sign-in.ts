import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { ClientMetadata } from 'oidc-provider';
import * as oidc from 'openid-client';
import { DomainError, SessionExpired } from '../../shared/http/errors.ts';
import { ACR_PASSWORD, ACR_STRONG } from '../oidc/acr.ts';
import { RECENT_SIGN_IN_SECONDS } from './session.ts';

type SessionModel = InstanceType<Provider['Session']>;

/** The IdP's own first-party client: account pages sign people in like any site does. */
export const ACCOUNT_CLIENT_ID = 'passport-account';

// Binds a callback to the browser that started the sign-in: state, PKCE verifier, nonce.
const FLOW_COOKIE = 'idp_account_flow';
const FLOW_COOKIE_PATH = '/account';
// As long as an interaction lives: a person may take their time on the sign-in page.
const FLOW_SECONDS = 60 * 60;

type Flow = { state: string; verifier: string; nonce: string; returnTo: string };

/** The static client metadata the IdP registers for its account pages. */
export function accountClientMetadata(issuer: string): ClientMetadata & { first_party: true } {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: 'Passport account',
    first_party: true,
    redirect_uris: [`${issuer}/account/callback`],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
  };
}

/** A local account page to come back to; anything else (another host, `//x`, `/\x`) means the overview. */
export function accountReturnPath(value: unknown): string {
  if (typeof value !== 'string' || value.length > 500) return '/account';
  if (!/^\/account(?:[/?]|$)/.test(value) || /[\\\p{Cc}]/u.test(value)) return '/account';
  const base = 'http://passport.invalid';
  const url = new URL(value, base);
  if (url.origin !== base || !/^\/account(?:\/|$)/.test(url.pathname)) return '/account';
  return `${url.pathname}${url.search}`;
}

export class AccountSignInFailed extends DomainError {
  override name = 'AccountSignInFailed';
  constructor() {
    super(400, 'account_sign_in_failed');
  }
}

/**
 * The account pages' OIDC client: openid-client, as any relying site would use,
 * with its requests to the IdP answered in-process (no route from this server
 * back to its public address is needed). Discovery and the signing keys are
 * fetched once per app and then cached by openid-client.
 */
export function createAccountClient(app: FastifyInstance, issuer: string) {
  let configuration: Promise<oidc.Configuration> | undefined;
  const redirectUri = `${issuer}/account/callback`;

  function client(): Promise<oidc.Configuration> {
    configuration ??= oidc
      .discovery(new URL(issuer), ACCOUNT_CLIENT_ID, undefined, oidc.None(), {
        [oidc.customFetch]: (url: string, options: oidc.CustomFetchOptions) =>
          answerInProcess(app, issuer, url, options),
        execute: issuer.startsWith('http://') ? [oidc.allowInsecureRequests] : [],
      })
      .catch((error: unknown) => {
        configuration = undefined;
        throw error;
      });
    return configuration;
  }

  /**
   * Sends the browser to the IdP's authorization endpoint as the account client,
   * to come back to `returnTo`. A step-up asks, like any site, for the strong
   * level within the recent window: the IdP asks for the password again only
   * when the last one is older than the window, and then for the key.
   */
  async function start(
    request: FastifyRequest,
    reply: FastifyReply,
    returnTo: string,
    options: { stepUp?: boolean } = {},
  ) {
    const flow: Flow = {
      state: oidc.randomState(),
      verifier: oidc.randomPKCECodeVerifier(),
      nonce: oidc.randomNonce(),
      returnTo: accountReturnPath(returnTo),
    };
    reply.setCookie(FLOW_COOKIE, JSON.stringify(flow), {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      secure: request.protocol === 'https',
      path: FLOW_COOKIE_PATH,
      maxAge: FLOW_SECONDS,
    });
    const authorization = oidc.buildAuthorizationUrl(await client(), {
      redirect_uri: redirectUri,
      scope: 'openid',
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      ...(options.stepUp ? { acr_values: ACR_STRONG, max_age: String(RECENT_SIGN_IN_SECONDS) } : {}),
    });
    return reply.redirect(authorization.href, 303);
  }

  /**
   * Finishes the code flow: the state must be this browser's, and openid-client
   * exchanges the code (with the PKCE verifier) for an ID token whose
   * signature, issuer, audience and nonce it checks. The IdP session cookie was
   * already set by the sign-in; this proves the flow was the real one.
   * Returns who signed in and where they were going, or undefined when they cancelled.
   */
  async function finish(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ accountId: string; returnTo: string } | undefined> {
    const flow = readFlow(request);
    reply.clearCookie(FLOW_COOKIE, { path: FLOW_COOKIE_PATH });
    const query = request.query as Record<string, unknown>;
    if (!flow || query.state !== flow.state) throw new SessionExpired();
    if (query.iss !== undefined && query.iss !== issuer) throw new AccountSignInFailed();
    if (query.error === 'access_denied') return undefined;
    if (typeof query.code !== 'string' || query.code.length > 200) throw new AccountSignInFailed();
    try {
      const tokens = await oidc.authorizationCodeGrant(await client(), new URL(request.url, issuer), {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      return { accountId: tokens.claims()!.sub, returnTo: flow.returnTo };
    } catch {
      throw new AccountSignInFailed();
    }
  }

  return { start, finish };
}

/** openid-client's fetch, served by the app itself through fastify's inject. */
async function answerInProcess(
  app: FastifyInstance,
  issuer: string,
  url: string,
  options: oidc.CustomFetchOptions,
) {
  const target = new URL(url);
  const publicAddress = new URL(issuer);
  // oidc-provider writes its URLs from the request's host and scheme: present the public ones.
  const requestHeaders: Record<string, string> = {
    host: publicAddress.host,
    'x-forwarded-proto': publicAddress.protocol.replace(':', ''),
  };
  new Headers(options.headers as HeadersInit).forEach((value, name) => {
    requestHeaders[name] = value;
  });
  const answer = await app.inject({
    method: options.method as 'GET' | 'POST',
    url: `${target.pathname}${target.search}`,
    headers: requestHeaders,
    payload: options.body === undefined || options.body === null ? undefined : String(options.body),
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    for (const single of Array.isArray(value) ? value : [value]) {
      if (single !== undefined) headers.append(name, String(single));
    }
  }
  return new Response([204, 304].includes(answer.statusCode) ? null : new Uint8Array(answer.rawPayload), {
    status: answer.statusCode,
    headers,
  });
}

/**
 * The person of an account without a security key just typed their password
 * again: the session counts as a fresh sign-in from now on, at the password
 * level (all a password proves), and keeps the expiry it had.
 */
export async function refreshLoginTime(session: SessionModel & { accountId: string }): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  session.loginAccount({
    accountId: session.accountId,
    loginTs: now,
    acr: ACR_PASSWORD,
    amr: ['pwd'],
    transient: session.transient,
  });
  // save(ttl) sets exp = now + ttl; at least a second, since 0 would store it without expiry.
  await session.save(Math.max(1, session.exp - now));
}

function readFlow(request: FastifyRequest): Flow | undefined {
  const raw = request.cookies[FLOW_COOKIE];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return undefined;
  try {
    const flow = JSON.parse(unsigned.value) as Partial<Flow>;
    if (
      typeof flow.state === 'string' &&
      typeof flow.verifier === 'string' &&
      typeof flow.nonce === 'string' &&
      typeof flow.returnTo === 'string'
    ) {
      return flow as Flow;
    }
  } catch {}
  return undefined;
}
