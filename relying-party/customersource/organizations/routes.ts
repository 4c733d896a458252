import type { FastifyInstance } from 'fastify';
import type { ExtranetDeps } from '../page-deps.ts';
import { companyAdministrationRoutes } from './account-routes.ts';
import { resourceRoutes } from './resource-routes.ts';
import { createOrganizationService } from './service.ts';
import { supportRoutes } from './support-routes.ts';

/** Resources, company administration and support: the pages behind the access rule. */
export async function organizationRoutes(app: FastifyInstance, deps: ExtranetDeps) {
  const service = createOrganizationService({
    db: deps.db,
    siteUrl: deps.config.url,
    mailQueued: deps.mailQueued,
  });
  await app.register(resourceRoutes, { db: deps.db });
  await app.register(companyAdministrationRoutes, { service });
  await app.register(supportRoutes, { service });
}
