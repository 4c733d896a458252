import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { findAccountEmails } from '../accounts/repository.ts';
import type { IdpDatabase } from '../database.ts';
import { currentSession } from './session.ts';

/**
 * Lets the layout link to the account pages and to sign-out on every IdP page
 * while someone is signed in here: one Session read, one account lookup.
 */
export function signedInLocals(provider: Provider, db: IdpDatabase) {
  return async function signedInLocals(request: FastifyRequest, reply: FastifyReply) {
    const session = await currentSession(provider, request, reply);
    if (!session) return;
    const [account] = await findAccountEmails(db, [session.accountId]);
    if (account) reply.locals = { ...reply.locals, signedIn: { email: account.email } };
  };
}
