import path from 'node:path';
import type { OnlineServicesConfig } from '../../../shared/config/online-services.ts';
import { acceptFormsOnly, createPageApp } from '../../../shared/http/page-app.ts';
import { healthRoutes, type ReadinessCheck } from '../../../shared/observability/health.ts';
import type { OnlineServicesDatabase } from '../database.ts';
import { adminCenterCatalogues } from '../locales/admin/catalogues.ts';
import { installActor } from './access.ts';
import { manageRoutes } from './manage-routes.ts';
import { createRenderer } from './renderer.ts';
import type { CenterService } from './service.ts';
import { LANGUAGE_COOKIE, type SessionTimes } from './sessions.ts';
import { signInRoutes } from './sign-in-routes.ts';

export type AdministrationCenterAppDeps = {
  config: OnlineServicesConfig;
  db: OnlineServicesDatabase;
  center: CenterService;
  sessionTimes: SessionTimes;
  cookieSecret: string;
  readiness: Record<string, ReadinessCheck>;
  logger?: boolean | object;
};

const VIEWS = path.join(import.meta.dirname, '..', 'views', 'admin');

/** The Administration Center's table of contents: its own pages and credentials, no OpenID Connect. */
export async function buildAdministrationCenterApp(deps: AdministrationCenterAppDeps) {
  const { config } = deps;
  const renderer = createRenderer(VIEWS);
  const app = await createPageApp({
    service: 'admin-center',
    siteUrl: config.admin.url,
    logLevel: config.logLevel,
    logger: deps.logger,
    trustProxy: config.trustProxy,
    cookieSecret: deps.cookieSecret,
    eta: renderer.eta,
    viewDefaults: renderer.defaults,
    viewsDir: VIEWS,
    publicDir: path.join(import.meta.dirname, '..', 'public', 'admin'),
    languages: { catalogues: adminCenterCatalogues, cookieName: LANGUAGE_COOKIE },
  });
  await app.register(healthRoutes, { checks: deps.readiness, deadlineMs: config.databaseTimeouts.connectMs });
  await app.register(async (pages) => {
    await acceptFormsOnly(pages, config.admin.url);
    installActor(pages, { db: deps.db, times: deps.sessionTimes });
    await pages.register(signInRoutes, {
      center: deps.center,
      secure: config.admin.url.startsWith('https://'),
    });
    await pages.register(manageRoutes, { center: deps.center });
  });
  return app;
}
