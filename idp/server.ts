import path from 'node:path';
import type { LogConfig } from 'kysely';
import type { ClientMetadata } from 'oidc-provider';
import { type IdpConfig, loadIdpConfig } from '../shared/config/idp.ts';
import { connectDatabase, databaseTarget } from '../shared/db/connect.ts';
import { migrateToLatest } from '../shared/db/migrate.ts';
import { storedSecret } from '../shared/db/stored-secret.ts';
import { startMailDelivery } from '../shared/mail/delivery.ts';
import { databaseAnswers, migrationsCurrent } from '../shared/observability/health.ts';
import { type MetricsListener, startMetricsListener, watchOutbox } from '../shared/observability/metrics.ts';
import type { RetrySchedule } from '../shared/queue/retry-schedule.ts';
import { createBotCheck } from '../shared/security/botcheck.ts';
import { useHashParameters } from '../shared/security/hashing.ts';
import { ACCOUNT_CLIENT_ID, accountClientMetadata } from './account-services/sign-in.ts';
import { createAccountService } from './accounts/service.ts';
import { buildIdpApp } from './app.ts';
import { queueLogout } from './backchannel/repository.ts';
import { type LogoutWorker, startLogoutWorker } from './backchannel/worker.ts';
import type { IdpTables } from './database.ts';
import { scheduleSweeps, sweepExpired } from './maintenance.ts';
import { checkConfiguredClients, loadStaticClients } from './oidc/clients.ts';
import { observeProviderEvents } from './oidc/events.ts';
import { createProvider } from './oidc/provider.ts';
import { replaceableProvider } from './oidc/replaceable-provider.ts';
import { loadSigningKeys } from './oidc/signing-keys.ts';
import { openShortLivedStore } from './state/open.ts';
import { createRenderer } from './views/renderer.ts';

/** How often a running copy re-reads the signing keys, so all copies roll over together. */
const SIGNING_KEY_CHECK_MS = 60 * 1000;

export const IDP_MIGRATIONS = path.join(import.meta.dirname, '..', 'migrations', 'idp');

export function idpDatabase(config: IdpConfig, log?: LogConfig) {
  return connectDatabase<IdpTables>(
    databaseTarget(config.databaseUrl, path.join(config.dataDir, 'idp.sqlite')),
    { timeouts: config.databaseTimeouts, name: 'idp', log },
  ).db;
}

/** The clients of the configuration: IDP_CLIENTS_FILE or IDP_CLIENTS, `extra`, and the account pages' own. */
export async function configuredClients(
  config: IdpConfig,
  env: NodeJS.ProcessEnv,
  extra: ClientMetadata[] = [],
): Promise<ClientMetadata[]> {
  const configured = [...(await loadStaticClients(config.clientsFile, env)), ...extra];
  // Account pages sign people in as the IdP's own first-party client.
  return configured.some((client) => client.client_id === ACCOUNT_CLIENT_ID)
    ? configured
    : [...configured, accountClientMetadata(config.issuer)];
}

export type StartIdpOptions = {
  env?: NodeJS.ProcessEnv;
  logger?: boolean | object;
  botCheckDifficulty?: number;
  /** Clients besides those of IDP_CLIENTS_FILE (`npm start` registers the extranet this way). */
  clients?: ClientMetadata[];
  /** Tests shorten the wait between tries of mail and back-channel logouts. */
  retrySchedule?: RetrySchedule;
  /** Kysely's query log, for tests and benchmarks that count what a flow writes. */
  queryLog?: LogConfig;
};

/** Starts a complete IdP: store, migrations, keys, provider, pages, mail worker and sweeps. */
export async function startIdp(options: StartIdpOptions = {}) {
  const config = loadIdpConfig(options.env ?? process.env);
  useHashParameters(config.passwordHashing);
  const clients = await configuredClients(config, options.env ?? process.env, options.clients);
  const db = idpDatabase(config, options.queryLog);
  await migrateToLatest(db, IDP_MIGRATIONS);
  const shortLived = await openShortLivedStore(config, db).catch(async (error: unknown) => {
    await db.destroy();
    throw error;
  });

  const [signingKeys, cookieKeys, cookieSecret, botCheckKey] = await Promise.all([
    loadSigningKeys(db, config.signingKeyRotationSeconds),
    storedSecret(db, 'oidc_cookie_key'),
    storedSecret(db, 'page_cookie_key'),
    storedSecret(db, 'botcheck_hmac_key'),
  ]);

  let logoutWorker: LogoutWorker | undefined;
  const queueLogoutNow = async (logout: Parameters<typeof queueLogout>[1]) => {
    try {
      await queueLogout(db, logout);
    } catch (error) {
      // The sign-out itself goes on without it: say which site will keep its session.
      app.log.error({ err: error, clientId: logout.clientId }, 'back-channel logout not queued');
      throw error;
    }
    // The first try before the sign-out answers, as oidc-provider did: someone going
    // straight back to the site finds it signed out. Retries go on in the background.
    await logoutWorker
      ?.deliverDue()
      .catch((error: unknown) => app.log.error({ err: error }, 'back-channel logout delivery failed'));
  };
  const renderer = createRenderer({ issuer: config.issuer });
  const botCheck = createBotCheck({
    spent: shortLived.spentProofs,
    hmacKey: botCheckKey,
    maxNumber: options.botCheckDifficulty,
  });
  const providerWith = (keys: typeof signingKeys) =>
    createProvider({
      config,
      db,
      shortLived,
      renderer,
      signingKeys: keys,
      cookieKeys: [cookieKeys],
      clients,
      queueLogout: queueLogoutNow,
    });
  const keyRing = replaceableProvider(providerWith(signingKeys));
  const provider = keyRing.provider;
  await checkConfiguredClients(provider, clients).catch(async (error: unknown) => {
    await shortLived.close();
    await db.destroy();
    throw error;
  });
  let publishedKids = signingKeys.map((key) => key.kid).join(' ');
  /** Picks up keys another copy made, or the next period's; `now` lets tests move the clock. */
  async function refreshSigningKeys(now = Date.now()) {
    const keys = await loadSigningKeys(db, config.signingKeyRotationSeconds, now);
    const kids = keys.map((key) => key.kid).join(' ');
    if (kids === publishedKids) return;
    keyRing.replace(providerWith(keys));
    publishedKids = kids;
  }

  let mailWorker: ReturnType<typeof startMailDelivery> | undefined;
  const accounts = createAccountService({ db, issuer: config.issuer, mailQueued: () => mailWorker?.wake() });
  const app = await buildIdpApp({
    config,
    db,
    provider,
    shortLived,
    renderer,
    accounts,
    botCheck,
    cookieSecret,
    mailQueued: () => mailWorker?.wake(),
    readiness: {
      database: databaseAnswers(db),
      migrations: migrationsCurrent(db, IDP_MIGRATIONS),
      ...(shortLived.answers ? { redis: shortLived.answers } : {}),
    },
    logger: options.logger,
  });
  observeProviderEvents(provider, app.log);
  mailWorker = startMailDelivery(db, config.mail, app.log, options.retrySchedule);
  logoutWorker = startLogoutWorker({
    db,
    provider,
    log: app.log,
    maxAttempts: config.backchannelLogoutAttempts,
    retrySchedule: options.retrySchedule,
  });
  const stopSweeps = scheduleSweeps(
    () => sweepExpired(db, shortLived),
    10 * 60 * 1000,
    (error) => app.log.error({ err: error }, 'sweep failed'),
  );
  const stopKeyChecks = scheduleSweeps(refreshSigningKeys, SIGNING_KEY_CHECK_MS, (error) =>
    app.log.error({ err: error }, 'signing key refresh failed'),
  );

  await app.listen({ host: config.host, port: config.port });
  const unwatchOutbox = watchOutbox('idp', db);
  let metrics: MetricsListener | undefined;
  if (config.metricsPort !== undefined) {
    metrics = await startMetricsListener({ host: config.host, port: config.metricsPort });
  }
  return {
    app,
    config,
    db,
    shortLived,
    provider,
    url: config.issuer,
    /** The metrics listener, when IDP_METRICS_PORT is set. */
    metrics,
    refreshSigningKeys,
    async close() {
      stopSweeps();
      stopKeyChecks();
      unwatchOutbox();
      await metrics?.close();
      await app.close();
      await mailWorker?.stop();
      await logoutWorker?.stop();
      await shortLived.close();
      await db.destroy();
    },
  };
}

export type RunningIdp = Awaited<ReturnType<typeof startIdp>>;
