import path from 'node:path';
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Kysely, LogConfig } from 'kysely';
import { ConfigError } from '../../shared/config/load.ts';
import { loadSiteConfig, type SiteConfig, type SiteSettings } from '../../shared/config/site.ts';
import { connectDatabase, databaseTarget } from '../../shared/db/connect.ts';
import { migrateToLatest } from '../../shared/db/migrate.ts';
import { storedSecret } from '../../shared/db/stored-secret.ts';
import { sweepCounters } from '../../shared/db/window-counters.ts';
import { acceptFormsOnly, createPageApp } from '../../shared/http/page-app.ts';
import { exitOnSignals } from '../../shared/http/shutdown.ts';
import type { Catalogue, Catalogues } from '../../shared/i18n/catalogues.ts';
import type { Language } from '../../shared/i18n/languages.ts';
import { startMailDelivery } from '../../shared/mail/delivery.ts';
import { sweepOutbox } from '../../shared/mail/outbox.ts';
import { databaseAnswers, healthRoutes, migrationsCurrent } from '../../shared/observability/health.ts';
import {
  type MetricsListener,
  startMetricsListener,
  watchOutbox,
} from '../../shared/observability/metrics.ts';
import { type CookieNames, cookieNames } from './auth/cookies.ts';
import { createIdpClient, type IdpClient } from './auth/idp-client.ts';
import { createLogoutTokenVerifier } from './auth/logout-token.ts';
import { authRoutes } from './auth/routes.ts';
import { sweepSessions } from './auth/sessions.ts';
import { sweepLinks } from './links.ts';
import { siteCatalogues } from './locales/catalogues.ts';
import { type KitTables, kitDatabase } from './tables.ts';
import { createRenderer } from './views/renderer.ts';
import { installVisitor, type KitVisitor, type StoredSession } from './visitor.ts';

/** What a site's routes, workers and services are given. */
export type SiteContext<Tables extends KitTables> = {
  config: SiteConfig;
  db: Kysely<Tables>;
  idp: IdpClient;
  cookies: CookieNames;
  /** Call after a transaction that enqueued mail commits, so it goes out at once. */
  mailQueued: () => void;
  /** Wakes one of the site's workers by name (its queue has work now). */
  wake: (worker: string) => void;
};

/** Work a site does after a request has been answered; stopped after the app, before the store. */
export type SiteWorker = { wake?: () => void; stop: () => Promise<void> };

/** How the IdP knows the site: the metadata of its client registration (URIs are made from its URL). */
export type SiteClient = { name: string; firstParty?: boolean };

/**
 * A participating site: everything it declares, and nothing else. The kit
 * does the rest (sign-in, sessions, logout, the visitor, the shell, i18n,
 * health, metrics, mail delivery, sweeps).
 */
export type SiteDefinition<
  Tables extends KitTables = KitTables,
  Visitor extends KitVisitor = KitVisitor,
  Workers extends Record<string, SiteWorker> = Record<string, SiteWorker>,
> = {
  /** The service's name in logs, metrics and pool metrics (`extranet`, `membership-center`). */
  name: string;
  /** Env prefix and defaults (URL and port, client id, required acr, SQLite file name). */
  settings: SiteSettings;
  /** Every cookie's prefix (`rp_`, `mc_`, `os_`): browsers do not keep cookies apart by port. */
  cookiePrefix: string;
  /** The site's migrations folder (its first one calls the kit's `createKitTables`). */
  migrations: string;
  /** The site's words, merged over the kit's; `brand.name` is the name the shell shows. */
  locales: Record<Language, Catalogue>;
  /** The site's templates, looked up before the kit's (layout, error, error-summary, field-error, masthead). */
  views: string;
  /** Static files of the site's own, served under /assets/ before the kit's (site.css). */
  publicDir?: string;
  client: SiteClient;
  /**
   * Fetch the person's e-mail and name from Passport's userinfo at each sign-in
   * (one more request), for `visitor.email` / `visitor.name`. Off: they are what
   * the ID token carries, which may be nothing.
   */
  userinfo?: boolean;
  /** The site's visitor: the kit's, extended with what the site knows of the person. */
  loadVisitor?: (db: Kysely<Tables>, visitor: KitVisitor, session: StoredSession) => Promise<Visitor>;
  /** The site's pages: registered inside the page scope, after sign-in routes and the visitor. */
  routes: (pages: FastifyInstance, context: SiteContext<Tables>) => Promise<void>;
  /** The site's background work, by name (`context.wake(name)` wakes one). */
  workers?: (context: SiteContext<Tables>, log: FastifyBaseLogger) => Workers;
  /** Fills an empty store with the README's demo data (`npm start`). */
  seed?: (db: Kysely<Tables>) => Promise<unknown>;
  /** The site's own reclaiming of expired rows, after the kit's. */
  sweep?: (db: Kysely<Tables>, now: number) => Promise<void>;
};

/** Spelled once per site so TypeScript infers its tables and visitor from the routes and loader. */
export function defineSite<
  Tables extends KitTables,
  Visitor extends KitVisitor = KitVisitor,
  Workers extends Record<string, SiteWorker> = Record<string, never>,
>(definition: SiteDefinition<Tables, Visitor, Workers>): SiteDefinition<Tables, Visitor, Workers> {
  return definition;
}

const catalogueCache = new WeakMap<object, Catalogues>();

/** A site's catalogues (its words over the kit's over the shared ones), made once. */
export function cataloguesOf(definition: Pick<SiteDefinition, 'locales'>): Catalogues {
  let catalogues = catalogueCache.get(definition.locales);
  if (!catalogues) {
    catalogues = siteCatalogues(definition.locales);
    catalogueCache.set(definition.locales, catalogues);
  }
  return catalogues;
}

/** The IdP's client registration for a site at `url`: what `npm start`, the clients file and tests register. */
export function clientRegistration(client: SiteClient & { clientId: string; secret?: string }, url: string) {
  return {
    client_id: client.clientId,
    ...(client.secret ? { client_secret: client.secret } : {}),
    client_name: client.name,
    first_party: client.firstParty ?? true,
    redirect_uris: [`${url}/auth/callback`],
    post_logout_redirect_uris: [`${url}/`],
    grant_types: ['authorization_code', 'refresh_token'],
    backchannel_logout_uri: `${url}/auth/backchannel-logout`,
    backchannel_logout_session_required: true,
  };
}

export function siteDatabase<Tables extends KitTables>(config: SiteConfig, name: string, log?: LogConfig) {
  return connectDatabase<Tables>(databaseTarget(config.databaseUrl, config.databaseFile), {
    log,
    timeouts: config.databaseTimeouts,
    name,
  }).db;
}

export type StartSiteOptions = {
  env?: NodeJS.ProcessEnv;
  logger?: boolean | object;
  /** Fill an empty store with the site's demo data (`npm start` does). */
  seedDemoData?: boolean;
  /** Sees every statement the store runs (Kysely's log). */
  queryLog?: LogConfig;
};

const DAY_MS = 24 * 60 * 60 * 1000;
const WEEK_MS = 7 * DAY_MS;

/**
 * Expired rows are already unusable; the sweep only reclaims space. Spent and
 * expired links are kept a week so a late click still says "already used" or
 * "expired"; sent and given-up mail a week for the operator.
 */
export async function sweepKit<Tables extends KitTables>(db: Kysely<Tables>, now = Date.now()) {
  const kit = kitDatabase(db);
  await sweepSessions(kit, now);
  await sweepCounters(kit, DAY_MS, now);
  await sweepLinks(kit, now - WEEK_MS);
  await sweepOutbox(kit, WEEK_MS, now);
}

/** The fastify bootstrap of every site: config, store, migrations, app, workers, sweeps, listener. */
export async function startSite<
  Tables extends KitTables,
  Visitor extends KitVisitor,
  Workers extends Record<string, SiteWorker>,
>(definition: SiteDefinition<Tables, Visitor, Workers>, options: StartSiteOptions = {}) {
  const config = loadSiteConfig(definition.settings, options.env ?? process.env);
  // Checked here, not in the config: the admin CLI reads the same settings and needs no client secret.
  if (config.production && !config.clientSecret) {
    throw new ConfigError(
      `Invalid configuration: ${config.envPrefix}_CLIENT_SECRET: required when NODE_ENV is production (the secret the IdP knows this site by)`,
    );
  }
  const db = siteDatabase<Tables>(config, definition.name, options.queryLog);
  const kit = kitDatabase(db);
  await migrateToLatest(db, definition.migrations);
  if (options.seedDemoData) await definition.seed?.(db);
  const idp = createIdpClient(config);
  const verifyLogoutToken = createLogoutTokenVerifier({
    db: kit,
    issuer: config.issuer,
    clientId: config.clientId,
    jwksUri: async () => new URL((await idp.configuration()).serverMetadata().jwks_uri!),
  });
  const cookies = cookieNames(definition.cookiePrefix);
  let mailWorker: ReturnType<typeof startMailDelivery> | undefined;
  let siteWorkers: Partial<Workers> = {};
  const context: SiteContext<Tables> = {
    config,
    db,
    idp,
    cookies,
    mailQueued: () => mailWorker?.wake(),
    wake: (worker) => (siteWorkers as Record<string, SiteWorker | undefined>)[worker]?.wake?.(),
  };

  const renderer = createRenderer(definition.views);
  const app = await createPageApp({
    service: definition.name,
    siteUrl: config.url,
    logLevel: config.logLevel,
    logger: options.logger,
    trustProxy: config.trustProxy,
    cookieSecret: await storedSecret(db, 'page_cookie_key'),
    eta: renderer.eta,
    viewDefaults: renderer.defaults,
    viewsDir: definition.views,
    publicDir: definition.publicDir ? [definition.publicDir, KIT_PUBLIC] : KIT_PUBLIC,
    languages: { catalogues: cataloguesOf(definition), cookieName: cookies.language },
  });
  // Another store (REDIS_URL) is one more line here.
  await app.register(healthRoutes, {
    checks: { database: databaseAnswers(db), migrations: migrationsCurrent(db, definition.migrations) },
    deadlineMs: config.databaseTimeouts.connectMs,
  });
  const pages: FastifyPluginAsync = async (scope) => {
    await acceptFormsOnly(scope, config.url);
    const load = definition.loadVisitor;
    // Before any route plugin: a request decorator must exist before the scopes that set it are made.
    installVisitor(scope, {
      db: kit,
      cookies,
      load: load ? (visitor, session) => load(db, visitor, session) : undefined,
    });
    await scope.register(authRoutes, {
      config,
      db: kit,
      cookies,
      userinfo: definition.userinfo ?? false,
      idp,
      verifyLogoutToken,
    });
    await definition.routes(scope, context);
  };
  await app.register(pages);

  mailWorker = startMailDelivery(db, config.mail, app.log);
  siteWorkers = definition.workers?.(context, app.log) ?? {};
  const started = siteWorkers as Workers;
  const sweep = setInterval(
    async () => {
      try {
        await sweepKit(db);
        await definition.sweep?.(db, Date.now());
      } catch (error) {
        app.log.error({ err: error }, 'sweep failed');
      }
    },
    10 * 60 * 1000,
  );
  sweep.unref();
  await app.listen({ host: config.host, port: config.port });
  const unwatchOutbox = watchOutbox(definition.name, db);
  let metrics: MetricsListener | undefined;
  if (config.metricsPort !== undefined) {
    metrics = await startMetricsListener({ host: config.host, port: config.metricsPort });
  }
  return {
    app,
    config,
    db,
    url: config.url,
    cookies,
    /** The metrics listener, when `<P>_METRICS_PORT` is set. */
    metrics,
    /** The work done after a request has been answered: `mail` and the site's own. */
    workers: { ...started, mail: mailWorker },
    async close() {
      clearInterval(sweep);
      unwatchOutbox();
      await metrics?.close();
      await app.close();
      // They may queue mail, so they stop before the mail worker does.
      for (const worker of Object.values(started)) await worker.stop();
      await mailWorker?.stop();
      await db.destroy();
    },
  };
}

export type RunningSite = Awaited<ReturnType<typeof startSite>>;

/** A site's process entry: start it, stop it on SIGTERM, exit 78 (EX_CONFIG) on a bad setting. */
export async function runSite<
  Tables extends KitTables,
  Visitor extends KitVisitor,
  Workers extends Record<string, SiteWorker>,
>(definition: SiteDefinition<Tables, Visitor, Workers>) {
  try {
    const site = await startSite(definition);
    exitOnSignals(site, site.app.log);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
}

const KIT_PUBLIC = path.join(import.meta.dirname, 'public');
