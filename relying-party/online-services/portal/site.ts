import path from 'node:path';
import { loadOnlineServicesConfig } from '../../../shared/config/online-services.ts';
import { cataloguesOf, defineSite } from '../../kit/site.ts';
import { createCredentialsService } from '../credentials/service.ts';
import type { OnlineServicesDatabase } from '../database.ts';
import en from '../locales/portal/en.json' with { type: 'json' };
import ptBr from '../locales/portal/pt-BR.json' with { type: 'json' };
import { subscriptionRoutes } from '../subscriptions/routes.ts';
import { createSubscriptionService } from '../subscriptions/service.ts';
import { createCredentialsCipher, credentialsKey } from '../tenants/credentials-cipher.ts';
import { createTenantService } from '../tenants/service.ts';
import { portalRoutes } from './routes.ts';
import { createCompanyService } from './service.ts';
import { supportRoutes } from './support-routes.ts';
import type { PortalDatabase, PortalTables } from './tables.ts';
import { loadPortalVisitor, type PortalVisitor } from './visitor.ts';

export const PORTAL_LOCALES = { en, 'pt-BR': ptBr };

/** The store as the tenants see it: the same database, a narrower schema. */
export function tenantDatabase(db: PortalDatabase): OnlineServicesDatabase {
  return db as unknown as OnlineServicesDatabase;
}

/**
 * The Online Services Customer Portal (:4003, seed 004), a Passport site on the
 * kit. `env` is read for the Administration Center's address and the credentials
 * key, which the portal shares with the Center (one service, one database).
 */
export function definePortal(env: NodeJS.ProcessEnv = process.env) {
  return defineSite<PortalTables, PortalVisitor>({
    name: 'online-services',
    settings: {
      envPrefix: 'OS',
      url: 'http://localhost:4003',
      clientId: 'online-services',
      requiredAcr: 'urn:passport:acr:password',
      databaseFile: 'online-services.sqlite',
    },
    cookiePrefix: 'os_',
    migrations: path.join(import.meta.dirname, '..', '..', '..', 'migrations', 'online-services'),
    locales: PORTAL_LOCALES,
    views: path.join(import.meta.dirname, '..', 'views', 'portal'),
    publicDir: path.join(import.meta.dirname, '..', 'public', 'portal'),
    client: { name: 'Microsoft Online Services Customer Portal', firstParty: true },
    userinfo: true,
    loadVisitor: (db, visitor) => loadPortalVisitor(db, visitor),
    async routes(pages, context) {
      const config = loadOnlineServicesConfig(env);
      const tenants = createTenantService(
        createCredentialsCipher(await credentialsKey(config, tenantDatabase(context.db))),
      );
      const deps = {
        db: context.db,
        tenants,
        catalogues: cataloguesOf({ locales: PORTAL_LOCALES }),
        portalUrl: context.config.url,
        centerUrl: config.admin.url,
        mailQueued: context.mailQueued,
      };
      const credentials = createCredentialsService(deps);
      await pages.register(portalRoutes, { context, companies: createCompanyService(context.db) });
      await pages.register(subscriptionRoutes, {
        subscriptions: createSubscriptionService(deps),
        credentials,
        centerUrl: config.admin.url,
      });
      await pages.register(supportRoutes, { db: context.db, credentials });
    },
  });
}

export type PortalSite = ReturnType<typeof definePortal>;
