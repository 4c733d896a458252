import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OnlineServicesDatabase } from '../database.ts';
import type { Actor } from './service.ts';
import { findLiveSession, SESSION_COOKIE, type SessionTimes } from './sessions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is signed in to the Center on this request, if anyone. */
    actor?: Actor;
  }
}

/**
 * Reads the Center's session cookie (`osa_session`) and nothing else: a Passport
 * or portal session means nothing here. Views get the actor and the current path.
 */
export function installActor(
  app: FastifyInstance,
  deps: { db: OnlineServicesDatabase; times: SessionTimes },
) {
  app.decorateRequest('actor', undefined);
  app.addHook('preHandler', async (request, reply) => {
    request.actor = await findLiveSession(deps.db, request.cookies[SESSION_COOKIE], deps.times);
    reply.locals = { ...(reply.locals ?? {}), actor: request.actor, currentPath: request.url.split('?')[0] };
  });
}

/** The signed-in actor; routes behind `signedInOnly` always have one. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new Error('No actor on a signed-in route.');
  return request.actor;
}

/**
 * Pages behind a full sign-in: others go to the sign-in page; a temporary
 * password opens only its change; a service administrator without their own
 * administrator account makes it first (seed 004 steps 6 and 7).
 */
export function signedInOnly(needsOwnAccount: (actor: Actor) => Promise<boolean>) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const actor = request.actor;
    if (!actor) return reply.redirect('/sign-in', 303);
    if (actor.stage === 'change_password') return reply.redirect('/password', 303);
    if (await needsOwnAccount(actor)) return reply.redirect('/administrator/new', 303);
  };
}
