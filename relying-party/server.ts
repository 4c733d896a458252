import path from 'node:path';
import { loadRelyingPartyConfig, type RelyingPartyConfig } from '../shared/config/relying-party.ts';
import { connectDatabase, databaseTarget } from '../shared/db/connect.ts';
import { migrateToLatest } from '../shared/db/migrate.ts';
import { storedSecret } from '../shared/db/stored-secret.ts';
import { sweepCounters } from '../shared/db/window-counters.ts';
import { startMailDelivery } from '../shared/mail/delivery.ts';
import { buildRelyingPartyApp } from './app.ts';
import { createIdpClient } from './auth/idp-client.ts';
import { createLogoutTokenVerifier } from './auth/logout-token.ts';
import { sweepSessions } from './auth/sessions.ts';
import type { RelyingPartyTables } from './database.ts';
import { seedDemoData } from './organizations/seed.ts';

export const RP_MIGRATIONS = path.join(import.meta.dirname, '..', 'migrations', 'relying-party');

export function relyingPartyDatabase(config: RelyingPartyConfig) {
  return connectDatabase<RelyingPartyTables>(
    databaseTarget(config.databaseUrl, path.join(config.dataDir, 'relying-party.sqlite')),
  ).db;
}

export type StartRelyingPartyOptions = {
  env?: NodeJS.ProcessEnv;
  logger?: boolean | object;
  /** Fill an empty store with the README's demo organizations (`npm start` does). */
  seedDemoData?: boolean;
};

export async function startRelyingParty(options: StartRelyingPartyOptions = {}) {
  const config = loadRelyingPartyConfig(options.env ?? process.env);
  const db = relyingPartyDatabase(config);
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
  const app = await buildRelyingPartyApp({
    config,
    db,
    idp,
    verifyLogoutToken,
    mailQueued: () => mailWorker?.wake(),
    cookieSecret: await storedSecret(db, 'page_cookie_key'),
    logger: options.logger,
  });
  mailWorker = startMailDelivery(db, config.mail, app.log);
  const sweep = setInterval(
    () =>
      Promise.all([sweepSessions(db), sweepCounters(db, 24 * 60 * 60 * 1000)]).catch((error: unknown) =>
        app.log.error({ err: error }, 'sweep failed'),
      ),
    10 * 60 * 1000,
  );
  sweep.unref();
  await app.listen({ host: config.host, port: config.port });
  return {
    app,
    config,
    db,
    url: config.url,
    async close() {
      clearInterval(sweep);
      await app.close();
      await mailWorker?.stop();
      await db.destroy();
    },
  };
}
