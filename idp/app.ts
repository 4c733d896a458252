import path from 'node:path';
import type Provider from 'oidc-provider';
import type { IdpConfig } from '../shared/config/idp.ts';
import { botCheckRoutes } from '../shared/http/botcheck-routes.ts';
import { acceptFormsOnly, createPageApp } from '../shared/http/page-app.ts';
import { healthRoutes, type ReadinessCheck } from '../shared/observability/health.ts';
import type { BotCheck } from '../shared/security/botcheck.ts';
import { signedInLocals } from './account-services/layout-locals.ts';
import { accountServicesRoutes } from './account-services/routes.ts';
import type { AccountService } from './accounts/service.ts';
import type { IdpDatabase } from './database.ts';
import { homeRoutes } from './home/routes.ts';
import { interactionRoutes } from './interactions/routes.ts';
import { signUpRoutes } from './interactions/signup-routes.ts';
import { IDP_LANGUAGE_COOKIE, idpCatalogues } from './locales/catalogues.ts';
import { mountProvider } from './oidc/mount.ts';
import type { PageDeps } from './page-deps.ts';
import { recoveryRoutes } from './recovery/routes.ts';
import { securityKeyRoutes } from './security-key/routes.ts';
import type { ShortLivedStore } from './state/short-lived-store.ts';
import type { Renderer } from './views/renderer.ts';

export type IdpAppDeps = {
  config: IdpConfig;
  db: IdpDatabase;
  provider: Provider;
  shortLived: ShortLivedStore;
  renderer: Renderer;
  accounts: AccountService;
  botCheck: BotCheck;
  cookieSecret: string;
  mailQueued: () => void;
  /** What /readyz asks, by name. */
  readiness: Record<string, ReadinessCheck>;
  logger?: boolean | object;
};

/** The IdP's table of contents: plugins, then our pages, then oidc-provider for the rest. */
export async function buildIdpApp(deps: IdpAppDeps) {
  const { config, renderer } = deps;
  const app = await createPageApp({
    service: 'idp',
    siteUrl: config.issuer,
    logLevel: config.logLevel,
    logger: deps.logger,
    trustProxy: config.trustProxy,
    cookieSecret: deps.cookieSecret,
    eta: renderer.eta,
    viewDefaults: renderer.defaults,
    viewsDir: path.join(import.meta.dirname, 'views'),
    publicDir: path.join(import.meta.dirname, 'public'),
    languages: { catalogues: idpCatalogues, cookieName: IDP_LANGUAGE_COOKIE },
  });

  await app.register(healthRoutes, { checks: deps.readiness, deadlineMs: config.databaseTimeouts.connectMs });
  await app.register(async (pages) => {
    await acceptFormsOnly(pages, config.issuer);
    // One session read per page, so every IdP page can link account services when signed in.
    pages.addHook('preHandler', signedInLocals(deps.provider, deps.db));
    await pages.register(botCheckRoutes, { botCheck: deps.botCheck });
    await pages.register(homeRoutes);
    await pages.register(interactionRoutes, {
      provider: deps.provider,
      db: deps.db,
      shortLived: deps.shortLived,
      accounts: deps.accounts,
      botCheck: deps.botCheck,
      mailQueued: deps.mailQueued,
    });
    await pages.register(signUpRoutes, {
      provider: deps.provider,
      db: deps.db,
      accounts: deps.accounts,
      botCheck: deps.botCheck,
      counters: deps.shortLived.counters,
      noScriptPerHour: config.noScriptFormsPerHour,
    });
    const pageDeps: PageDeps = {
      config,
      db: deps.db,
      provider: deps.provider,
      shortLived: deps.shortLived,
      accounts: deps.accounts,
      botCheck: deps.botCheck,
      mailQueued: deps.mailQueued,
    };
    await pages.register(recoveryRoutes, pageDeps);
    await pages.register(securityKeyRoutes, pageDeps);
    await pages.register(accountServicesRoutes, pageDeps);
  });
  await app.register(mountProvider, { provider: deps.provider, issuer: config.issuer });
  return app;
}
