import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { currentSession } from '../account-services/session.ts';
import { ACCOUNT_CLIENT_ID } from '../account-services/sign-in.ts';
import { interactionNamed } from './current.ts';

/**
 * A sign-in page whose interaction is finished or gone (the browser's Back
 * after signing in) while this browser's Passport session lives: the person
 * is signed in, so the page leads on to the sites of this session and to
 * account services instead of "Your sign-in has expired". Undefined when
 * there is no session: the page then is the expired one.
 */
export async function leadOnWhenSignedIn(provider: Provider, request: FastifyRequest, reply: FastifyReply) {
  const session = await currentSession(provider, request, reply);
  if (!session) return undefined;
  const clientIds = Object.keys(session.authorizations ?? {}).filter((id) => id !== ACCOUNT_CLIENT_ID);
  const clients = await Promise.all(clientIds.map((id) => provider.Client.find(id)));
  const sites = clients
    .filter((client) => client?.clientUri)
    .map((client) => ({ name: client!.clientName ?? client!.clientId, href: client!.clientUri! }));
  return reply.view('signed-in-already', { sites });
}

/** For a page of one sign-in step: the lead-on page when that sign-in is over and the session lives. */
export async function leadOnIfFinished(
  provider: Provider,
  request: FastifyRequest,
  reply: FastifyReply,
  uid: string,
) {
  if (await interactionNamed(provider, request, reply, uid)) return undefined;
  return leadOnWhenSignedIn(provider, request, reply);
}
