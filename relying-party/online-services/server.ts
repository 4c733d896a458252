import type { LogConfig } from 'kysely';
import { loadOnlineServicesConfig } from '../../shared/config/online-services.ts';
import { startSite } from '../kit/site.ts';
import { startAdministrationCenter } from './admin-center/server.ts';
import { seedPortalDemo } from './portal/seed.ts';
import { definePortal, tenantDatabase } from './portal/site.ts';
import {
  createCredentialsCipher,
  credentialsKey,
  requireConfiguredKeyInProduction,
} from './tenants/credentials-cipher.ts';
import { createTenantService } from './tenants/service.ts';

export type StartOnlineServicesOptions = {
  env?: NodeJS.ProcessEnv;
  logger?: boolean | object;
  /** Fill an empty store with the README's demo data (`npm start`). */
  seedDemoData?: boolean;
  queryLog?: LogConfig;
};

/**
 * Online Services: one process, one database, two listeners with two trusts. The
 * Customer Portal (:4003) is a Passport site on the kit, which opens and migrates
 * the store; the Administration Center (:4004) runs on that same store with its
 * own credentials and cookies, and its mail goes through the portal's outbox worker.
 */
export async function startOnlineServices(options: StartOnlineServicesOptions = {}) {
  const env = options.env ?? process.env;
  // Before the store is touched: a production start without its key changes nothing.
  requireConfiguredKeyInProduction(loadOnlineServicesConfig(env));
  const site = definePortal(env);
  const portal = await startSite(site, { env, logger: options.logger, queryLog: options.queryLog });
  try {
    if (options.seedDemoData) {
      const config = loadOnlineServicesConfig(env);
      const key = await credentialsKey(config, tenantDatabase(portal.db));
      await seedPortalDemo(portal.db, createTenantService(createCredentialsCipher(key)));
    }
    const center = await startAdministrationCenter({
      env,
      logger: options.logger,
      db: tenantDatabase(portal.db),
      mailQueued: () => portal.workers.mail?.wake(),
    });
    return {
      portal,
      center,
      db: portal.db,
      async close() {
        await center.close();
        await portal.close();
      },
    };
  } catch (error) {
    await portal.close();
    throw error;
  }
}

export type OnlineServices = Awaited<ReturnType<typeof startOnlineServices>>;
