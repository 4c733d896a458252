import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { ACR_STRONG } from '../oidc/acr.ts';

type SessionModel = InstanceType<Provider['Session']>;

/** Account pages need a recent sign-in, with the strongest factor, before they change a credential. */
export const RECENT_SIGN_IN_SECONDS = 10 * 60;

/**
 * The person signed in to Passport in this browser, read from oidc-provider's
 * own session (its cookie, its store), so account pages and sign-in agree.
 */
export async function currentSession(
  provider: Provider,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<(SessionModel & { accountId: string }) | undefined> {
  // createContext exists on Provider (a Koa application); its published types omit it.
  const context = (provider as unknown as ProviderWithContext).createContext(request.raw, reply.raw);
  const session = (await provider.Session.get(context as never)) as SessionModel;
  return session.accountId ? (session as SessionModel & { accountId: string }) : undefined;
}

function signedInRecently(session: { loginTs?: number }, now = Date.now()): boolean {
  return session.loginTs !== undefined && now / 1000 - session.loginTs <= RECENT_SIGN_IN_SECONDS;
}

/**
 * Whether the session proved the account's strongest factor within the recent
 * window: the security key when the account has one, else the password. A
 * strong session's login time is the password's that preceded the key
 * (nothing but a sign-in with the key refreshes it), so the window holds only
 * while both secrets are recent.
 */
export function strongestFactorRecently(
  session: { loginTs?: number; acr?: unknown },
  hasSecurityKey: boolean,
  now = Date.now(),
): boolean {
  if (hasSecurityKey && session.acr !== ACR_STRONG) return false;
  return signedInRecently(session, now);
}

type ProviderWithContext = { createContext(req: unknown, res: unknown): unknown };
