import path from 'node:path';
import type { LogConfig } from 'kysely';
import { ConfigError } from '../shared/config/load.ts';
import { loadRelyingPartyConfig, type RelyingPartyConfig } from '../shared/config/relying-party.ts';
import { connectDatabase, databaseTarget } from '../shared/db/connect.ts';
import { migrateToLatest } from '../shared/db/migrate.ts';
import { storedSecret } from '../shared/db/stored-secret.ts';
import { startMailDelivery } from '../shared/mail/delivery.ts';
import { databaseAnswers, migrationsCurrent } from '../shared/observability/health.ts';
import { type MetricsListener, startMetricsListener, watchOutbox } from '../shared/observability/metrics.ts';
import { buildRelyingPartyApp } from './app.ts';
import { createIdpClient } from './auth/idp-client.ts';
import { createLogoutTokenVerifier } from './auth/logout-token.ts';
import type { RelyingPartyTables } from './database.ts';
import { type AssociationWorker, startAssociationWorker } from './linking/association-worker.ts';
import { createLinking } from './linking/service.ts';
import { sweepExpired } from './maintenance.ts';
import { seedDemoData } from './organizations/seed.ts';

export const RP_MIGRATIONS = path.join(import.meta.dirname, '..', 'migrations', 'relying-party');

export function relyingPartyDatabase(config: RelyingPartyConfig, log?: LogConfig) {
  return connectDatabase<RelyingPartyTables>(
    databaseTarget(config.databaseUrl, path.join(config.dataDir, 'relying-party.sqlite')),
    { log, timeouts: config.databaseTimeouts, name: 'extranet' },
  ).db;
}

export type StartRelyingPartyOptions = {
  env?: NodeJS.ProcessEnv;
  logger?: boolean | object;
  /** Fill an empty store with the README's demo organizations (`npm start` does). */
  seedDemoData?: boolean;
  /** Sees every statement the store runs (Kysely's log). */
  queryLog?: LogConfig;
};

export async function startRelyingParty(options: StartRelyingPartyOptions = {}) {
  const config = loadRelyingPartyConfig(options.env ?? process.env);
  // Checked here, not in the config: the admin CLI reads the same settings and needs no client secret.
  if (config.production && !config.clientSecret) {
    throw new ConfigError(
      'Invalid configuration: RP_CLIENT_SECRET: required when NODE_ENV is production (the secret the IdP knows this site by)',
    );
  }
  const db = relyingPartyDatabase(config, options.queryLog);
  await migrateToLatest(db, RP_MIGRATIONS);
  if (options.seedDemoData) await seedDemoData(db);
  const idp = createIdpClient(config);
  const verifyLogoutToken = createLogoutTokenVerifier({
    db,
    issuer: config.issuer,
    clientId: config.clientId,
    jwksUri: async () => new URL((await idp.configuration()).serverMetadata().jwks_uri!),
  });
  let mailWorker: ReturnType<typeof startMailDelivery> | undefined;
  let associationWorker: AssociationWorker | undefined;
  const mailQueued = () => mailWorker?.wake();
  const app = await buildRelyingPartyApp({
    config,
    db,
    idp,
    verifyLogoutToken,
    mailQueued,
    associationQueued: () => associationWorker?.wake(),
    cookieSecret: await storedSecret(db, 'page_cookie_key'),
    // Another store (REDIS_URL) is one more line here.
    readiness: { database: databaseAnswers(db), migrations: migrationsCurrent(db, RP_MIGRATIONS) },
    logger: options.logger,
  });
  mailWorker = startMailDelivery(db, config.mail, app.log);
  associationWorker = startAssociationWorker({
    linking: createLinking({ db, siteUrl: config.url, mailQueued }),
    log: app.log,
  });
  const sweep = setInterval(
    () => sweepExpired(db).catch((error: unknown) => app.log.error({ err: error }, 'sweep failed')),
    10 * 60 * 1000,
  );
  sweep.unref();
  await app.listen({ host: config.host, port: config.port });
  const unwatchOutbox = watchOutbox('extranet', db);
  let metrics: MetricsListener | undefined;
  if (config.metricsPort !== undefined) {
    metrics = await startMetricsListener({ host: config.host, port: config.metricsPort });
  }
  return {
    app,
    config,
    db,
    url: config.url,
    /** The metrics listener, when RP_METRICS_PORT is set. */
    metrics,
    /** The work done after a request has been answered. */
    workers: { mail: mailWorker, associations: associationWorker },
    async close() {
      clearInterval(sweep);
      unwatchOutbox();
      await metrics?.close();
      await app.close();
      // It queues mail, so it stops before the mail worker does.
      await associationWorker?.stop();
      await mailWorker?.stop();
      await db.destroy();
    },
  };
}
