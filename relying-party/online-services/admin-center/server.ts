import type { LogConfig } from 'kysely';
import { loadOnlineServicesConfig } from '../../../shared/config/online-services.ts';
import { migrateToLatest } from '../../../shared/db/migrate.ts';
import { storedSecret } from '../../../shared/db/stored-secret.ts';
import { startMailDelivery } from '../../../shared/mail/delivery.ts';
import { sweepOutbox } from '../../../shared/mail/outbox.ts';
import { databaseAnswers, migrationsCurrent } from '../../../shared/observability/health.ts';
import type { RetrySchedule } from '../../../shared/queue/retry-schedule.ts';
import { databaseCounters } from '../../../shared/state/counters.ts';
import { type OnlineServicesDatabase, OS_MIGRATIONS, onlineServicesDatabase } from '../database.ts';
import { adminCenterCatalogues } from '../locales/admin/catalogues.ts';
import {
  createCredentialsCipher,
  credentialsKey,
  requireConfiguredKeyInProduction,
} from '../tenants/credentials-cipher.ts';
import { createTenantService } from '../tenants/service.ts';
import { buildAdministrationCenterApp } from './app.ts';
import { createSignInGuard, type GuardLimits } from './guard.ts';
import { sweepTrustedDevices } from './repository.ts';
import { createCenterService, DEVICE_TRUST_MS } from './service.ts';
import { sweepSessions } from './sessions.ts';

const SWEEP_EVERY_MS = 10 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export type StartAdministrationCenterOptions = {
  env?: NodeJS.ProcessEnv;
  logger?: boolean | object;
  /**
   * The store the portal already opened and migrated (server.ts, both listeners in one
   * process); unset, the Center opens, migrates and closes its own.
   */
  db?: OnlineServicesDatabase;
  /** Start the outbox worker here (default true); a process that runs one already passes its wake-up. */
  mailQueued?: () => void;
  /** Tests tighten the sign-in guard. */
  guardLimits?: Partial<GuardLimits>;
  retrySchedule?: RetrySchedule;
  queryLog?: LogConfig;
};

/** The Administration Center on OS_ADMIN_URL (:4004), alone or beside the portal. */
export async function startAdministrationCenter(options: StartAdministrationCenterOptions = {}) {
  const config = loadOnlineServicesConfig(options.env ?? process.env);
  // Before the store is touched: a production start without its key changes nothing.
  requireConfiguredKeyInProduction(config);
  const ownsStore = options.db === undefined;
  const db = options.db ?? onlineServicesDatabase(config, options.queryLog);
  if (ownsStore) await migrateToLatest(db, OS_MIGRATIONS);
  const cipher = createCredentialsCipher(await credentialsKey(config, db));
  const sessionTimes = {
    absoluteMs: config.admin.sessionSeconds * 1000,
    idleMs: config.admin.sessionIdleSeconds * 1000,
  };
  let mailWorker: ReturnType<typeof startMailDelivery> | undefined;
  const mailQueued = options.mailQueued ?? (() => mailWorker?.wake());
  const center = createCenterService({
    db,
    guard: createSignInGuard({ counters: databaseCounters(db), limits: options.guardLimits }),
    tenants: createTenantService(cipher),
    cipher,
    catalogues: adminCenterCatalogues,
    sessionTimes,
    centerUrl: config.admin.url,
    mailQueued,
  });
  const app = await buildAdministrationCenterApp({
    config,
    db,
    center,
    sessionTimes,
    cookieSecret: await storedSecret(db, 'admin_center_cookie_key'),
    readiness: { database: databaseAnswers(db), migrations: migrationsCurrent(db, OS_MIGRATIONS) },
    logger: options.logger,
  });
  if (!options.mailQueued) mailWorker = startMailDelivery(db, config.mail, app.log, options.retrySchedule);
  const counters = databaseCounters(db);
  const sweep = setInterval(() => {
    Promise.all([
      sweepSessions(db, sessionTimes),
      sweepTrustedDevices(db, Date.now() - DEVICE_TRUST_MS),
      counters.sweep(DAY_MS),
      ownsStore ? sweepOutbox(db, 30 * DAY_MS) : undefined,
    ]).catch((error: unknown) => app.log.error({ err: error }, 'sweep failed'));
  }, SWEEP_EVERY_MS);
  sweep.unref();
  await app.listen({ host: config.host, port: config.admin.port });
  return {
    app,
    config,
    db,
    url: config.admin.url,
    /** The tenant service over the same store and key: provisioning, temporary credentials. */
    tenants: createTenantService(cipher),
    workers: { mail: mailWorker },
    async close() {
      clearInterval(sweep);
      await app.close();
      await mailWorker?.stop();
      if (ownsStore) await db.destroy();
    },
  };
}

export type AdministrationCenter = Awaited<ReturnType<typeof startAdministrationCenter>>;
