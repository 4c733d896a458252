import type { FastifyInstance } from 'fastify';
import type { RelyingPartyDatabase } from '../database.ts';
import { loadVisitor, type Visitor } from './visitor.ts';

declare module 'fastify' {
  interface FastifyRequest {
    visitor: Visitor | undefined;
  }
  // @fastify/view merges reply.locals into every template's data; its types leave it out.
  interface FastifyReply {
    locals?: Record<string, unknown>;
  }
}

/** Loads the visitor once per page request, for the routes and for the layout's navigation. */
export function installVisitor(app: FastifyInstance, db: RelyingPartyDatabase) {
  app.decorateRequest('visitor', undefined);
  app.addHook('preHandler', async (request, reply) => {
    request.visitor = await loadVisitor(db, request);
    // The layout marks the page in its navigation that this request is (aria-current).
    const currentPath = request.url.split('?')[0];
    reply.locals = { ...reply.locals, visitor: request.visitor, currentPath };
  });
}
