import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type Provider from 'oidc-provider';
import type { ClientMetadata } from 'oidc-provider';
import { DomainError, SessionExpired } from '../../shared/http/errors.ts';

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

/** Sends the browser to the IdP's authorization endpoint as the account client, to come back to `returnTo`. */
export async function startAccountSignIn(
  request: FastifyRequest,
  reply: FastifyReply,
  issuer: string,
  returnTo: string,
) {
  const flow: Flow = {
    state: randomToken(),
    verifier: randomToken(),
    nonce: randomToken(),
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
  const authorization = new URL(`${issuer}/auth`);
  authorization.search = new URLSearchParams({
    client_id: ACCOUNT_CLIENT_ID,
    redirect_uri: `${issuer}/account/callback`,
    response_type: 'code',
    scope: 'openid',
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: createHash('sha256').update(flow.verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  return reply.redirect(authorization.href, 303);
}

export class AccountSignInFailed extends DomainError {
  override name = 'AccountSignInFailed';
  constructor() {
    super(400, 'Sign-in did not complete', 'Signing in to your account did not complete. Please try again.');
  }
}

/**
 * Finishes the account client's code flow: the state must be this browser's,
 * and the code is exchanged (with the PKCE verifier) for an ID token whose
 * signature, issuer, audience and nonce are checked. The IdP session cookie
 * was already set by the sign-in; this proves the flow was the real one.
 * Returns who signed in and where they were going, or undefined when they cancelled.
 */
export async function finishAccountSignIn(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  issuer: string,
): Promise<{ accountId: string; returnTo: string } | undefined> {
  const flow = readFlow(request);
  reply.clearCookie(FLOW_COOKIE, { path: FLOW_COOKIE_PATH });
  const query = request.query as Record<string, unknown>;
  if (!flow || typeof query.state !== 'string' || !sameText(query.state, flow.state)) {
    throw new SessionExpired();
  }
  if (query.iss !== undefined && query.iss !== issuer) throw new AccountSignInFailed();
  if (query.error === 'access_denied') return undefined;
  if (typeof query.code !== 'string' || query.code.length > 200) throw new AccountSignInFailed();

  // In-process, so the exchange needs no route from this server back to its public address.
  const exchange = await app.inject({
    method: 'POST',
    url: '/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: ACCOUNT_CLIENT_ID,
      redirect_uri: `${issuer}/account/callback`,
      code: query.code,
      code_verifier: flow.verifier,
    }).toString(),
  });
  const idToken =
    exchange.statusCode === 200 ? (exchange.json() as { id_token?: unknown }).id_token : undefined;
  if (typeof idToken !== 'string') throw new AccountSignInFailed();
  const keys = createLocalJWKSet((await app.inject({ method: 'GET', url: '/jwks' })).json());
  try {
    const { payload } = await jwtVerify(idToken, keys, { issuer, audience: ACCOUNT_CLIENT_ID });
    if (payload.nonce !== flow.nonce || typeof payload.sub !== 'string') throw new AccountSignInFailed();
    return { accountId: payload.sub, returnTo: flow.returnTo };
  } catch {
    throw new AccountSignInFailed();
  }
}

/**
 * The person just typed their password again: the session counts as a fresh
 * sign-in from now on, at the level it had, and keeps the expiry it had.
 */
export async function refreshLoginTime(session: SessionModel & { accountId: string }): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  session.loginAccount({
    accountId: session.accountId,
    loginTs: now,
    acr: session.acr,
    amr: session.amr,
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

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
