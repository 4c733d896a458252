import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { isDatabaseUnavailable } from '../../shared/db/errors.ts';
import { SessionExpired } from '../../shared/http/errors.ts';

export type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/**
 * The interaction this browser is in (its cookie names it), when it is the one
 * the path names; otherwise none. A page in a stale tab or another browser
 * must never act on a different sign-in.
 */
export async function interactionNamed(
  provider: Provider,
  request: FastifyRequest,
  reply: FastifyReply,
  uid: string | undefined,
): Promise<Interaction | undefined> {
  if (!uid) return undefined;
  try {
    const interaction = await provider.interactionDetails(request.raw, reply.raw);
    return interaction.uid === uid ? interaction : undefined;
  } catch (error) {
    // A store that does not answer is not an expired sign-in: the person may simply retry.
    if (isDatabaseUnavailable(error)) throw error;
    return undefined;
  }
}

/** The same, for pages that only make sense inside that sign-in. */
export async function requireInteraction(
  provider: Provider,
  request: FastifyRequest,
  reply: FastifyReply,
  uid: string,
): Promise<Interaction> {
  const interaction = await interactionNamed(provider, request, reply, uid);
  if (!interaction) throw new SessionExpired();
  return interaction;
}
