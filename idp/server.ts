import path from 'node:path';
import type { ClientMetadata } from 'oidc-provider';
import { type IdpConfig, loadIdpConfig } from '../shared/config/idp.ts';
import { connectDatabase, databaseTarget } from '../shared/db/connect.ts';
import { migrateToLatest } from '../shared/db/migrate.ts';
import { storedSecret } from '../shared/db/stored-secret.ts';
import { startMailDelivery } from '../shared/mail/delivery.ts';
import { createBotCheck } from '../shared/security/botcheck.ts';
import { ACCOUNT_CLIENT_ID, accountClientMetadata } from './account-services/sign-in.ts';
import { createAccountService } from './accounts/service.ts';
import { buildIdpApp } from './app.ts';
import type { IdpTables } from './database.ts';
import { scheduleSweeps, sweepExpired } from './maintenance.ts';
import { loadStaticClients } from './oidc/clients.ts';
import { createProvider } from './oidc/provider.ts';
import { replaceableProvider } from './oidc/replaceable-provider.ts';
import { loadSigningKeys } from './oidc/signing-keys.ts';
import { createRenderer } from './views/renderer.ts';

/** How often a running copy re-reads the signing keys, so all copies roll over together. */
const SIGNING_KEY_CHECK_MS = 60 * 1000;

export const IDP_MIGRATIONS = path.join(import.meta.dirname, '..', 'migrations', 'idp');

export function idpDatabase(config: IdpConfig) {
  return connectDatabase<IdpTables>(
    databaseTarget(config.databaseUrl, path.join(config.dataDir, 'idp.sqlite')),
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
};

/** Starts a complete IdP: store, migrations, keys, provider, pages, mail worker and sweeps. */
export async function startIdp(options: StartIdpOptions = {}) {
  const config = loadIdpConfig(options.env ?? process.env);
  const clients = await configuredClients(config, options.env ?? process.env, options.clients);
  const db = idpDatabase(config);
  await migrateToLatest(db, IDP_MIGRATIONS);

  const [signingKeys, cookieKeys, cookieSecret, botCheckKey] = await Promise.all([
    loadSigningKeys(db, config.signingKeyRotationSeconds),
    storedSecret(db, 'oidc_cookie_key'),
    storedSecret(db, 'page_cookie_key'),
    storedSecret(db, 'botcheck_hmac_key'),
  ]);

  const renderer = createRenderer({ issuer: config.issuer });
  const botCheck = createBotCheck({ db, hmacKey: botCheckKey, maxNumber: options.botCheckDifficulty });
  const providerWith = (keys: typeof signingKeys) =>
    createProvider({ config, db, renderer, signingKeys: keys, cookieKeys: [cookieKeys], clients });
  const keyRing = replaceableProvider(providerWith(signingKeys));
  const provider = keyRing.provider;
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
    renderer,
    accounts,
    botCheck,
    cookieSecret,
    mailQueued: () => mailWorker?.wake(),
    logger: options.logger,
  });
  mailWorker = startMailDelivery(db, config.mail, app.log);
  const stopSweeps = scheduleSweeps(
    () => sweepExpired(db, botCheck.sweep),
    10 * 60 * 1000,
    (error) => app.log.error({ err: error }, 'sweep failed'),
  );
  const stopKeyChecks = scheduleSweeps(refreshSigningKeys, SIGNING_KEY_CHECK_MS, (error) =>
    app.log.error({ err: error }, 'signing key refresh failed'),
  );

  await app.listen({ host: config.host, port: config.port });
  return {
    app,
    config,
    db,
    provider,
    url: config.issuer,
    refreshSigningKeys,
    async close() {
      stopSweeps();
      stopKeyChecks();
      await app.close();
      await mailWorker?.stop();
      await db.destroy();
    },
  };
}

export type RunningIdp = Awaited<ReturnType<typeof startIdp>>;
