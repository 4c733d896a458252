import type { FastifyInstance } from 'fastify';
import type { RelyingPartyDatabase } from '../database.ts';
import { requireAccess } from './access.ts';
import { listResources } from './repository.ts';

/** The catalogue's shelves, in the order the site shows them (seed 001). */
export const RESOURCE_CATEGORIES = ['Product updates', 'Documentation', 'Training', 'Newsletters'] as const;

const published = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' });

/** The catalogue behind sign-in: what a current plan (or a partner or staff profile) opens. */
export async function resourceRoutes(app: FastifyInstance, { db }: { db: RelyingPartyDatabase }) {
  app.addHook('preHandler', requireAccess);

  app.get('/resources', async (_request, reply) => {
    const resources = await listResources(db);
    const shelves = RESOURCE_CATEGORIES.map((category) => ({
      category,
      items: resources
        .filter((resource) => resource.category === category)
        .map((resource) => ({ ...resource, published: published.format(resource.published_at) })),
    })).filter((shelf) => shelf.items.length > 0);
    return reply.view('resources', { shelves });
  });
}
