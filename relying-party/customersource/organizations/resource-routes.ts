import type { FastifyInstance } from 'fastify';
import { formatDate } from '../../../shared/i18n/dates.ts';
import type { RelyingPartyDatabase } from '../database.ts';
import { requireAccess } from './access.ts';
import { listResources } from './repository.ts';

/** The catalogue's shelves, in the order the site shows them (seed 001). */
export const RESOURCE_CATEGORIES = ['Product updates', 'Documentation', 'Training', 'Newsletters'] as const;

// Each shelf's heading in the catalogue (`resources.categories.*`); the store keeps the English name.
const CATEGORY_KEYS: Record<(typeof RESOURCE_CATEGORIES)[number], string> = {
  'Product updates': 'product_updates',
  Documentation: 'documentation',
  Training: 'training',
  Newsletters: 'newsletters',
};

/** The catalogue behind sign-in: what a current plan (or a partner or staff profile) opens. */
export async function resourceRoutes(app: FastifyInstance, { db }: { db: RelyingPartyDatabase }) {
  app.addHook('preHandler', requireAccess);

  app.get('/resources', async (request, reply) => {
    const resources = await listResources(db);
    const shelves = RESOURCE_CATEGORIES.map((category) => ({
      category: request.t(`resources.categories.${CATEGORY_KEYS[category]}`),
      items: resources
        .filter((resource) => resource.category === category)
        .map((resource) => ({
          ...resource,
          published: formatDate(new Date(resource.published_at), request.language),
        })),
    })).filter((shelf) => shelf.items.length > 0);
    return reply.view('resources', { shelves });
  });
}
