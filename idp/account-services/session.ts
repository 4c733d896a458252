import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';

type SessionModel = InstanceType<Provider['Session']>;

/** Account pages need a recent sign-in before they change a credential. */
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

export function signedInRecently(session: { loginTs?: number }, now = Date.now()): boolean {
  return session.loginTs !== undefined && now / 1000 - session.loginTs <= RECENT_SIGN_IN_SECONDS;
}

type ProviderWithContext = { createContext(req: unknown, res: unknown): unknown };
