import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LogConfig } from 'kysely';
import { startIdp } from '../../idp/server.ts';
import { startDevMailbox } from '../../shared/mail/dev-mailbox.ts';
import type { RetrySchedule } from '../../shared/queue/retry-schedule.ts';
import { createMailbox } from './mailbox.ts';
import { freePort } from './ports.ts';
import { createPostgresDatabase } from './postgres.ts';
import { redisSettings, suiteRedisSettings } from './redis.ts';

export type Store = 'sqlite' | 'postgres';
export const STORES: Store[] = ['sqlite', 'postgres'];

export type TestIdpOptions = {
  store?: Store;
  clients?: Record<string, unknown>[];
  initialAccessToken?: string;
  env?: Record<string, string>;
  /** Kysely's query log of the IdP's database. */
  queryLog?: LogConfig;
  /** Short-lived state in Redis (true) or in the database (false) whatever the suite runs on. */
  redis?: boolean;
  /** Logger options (a level and a stream to capture); no log when unset. */
  logger?: object;
  /** A short wait between tries of mail and back-channel logouts, so outages can be short. */
  retrySchedule?: RetrySchedule;
};

/**
 * A real IdP on a real port with its own data folder (or PostgreSQL database)
 * and its own dev mailbox, so test files never share state.
 */
export async function startTestIdp(options: TestIdpOptions = {}) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'passport-idp-'));
  const postgres = options.store === 'postgres' ? await createPostgresDatabase() : undefined;
  const redis =
    options.redis === undefined ? suiteRedisSettings() : options.redis ? redisSettings() : undefined;
  const mailServer = await startDevMailbox({ smtpPort: 0, httpPort: 0 });
  const port = await freePort();
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    IDP_ISSUER: `http://localhost:${port}`,
    SMTP_URL: `smtp://127.0.0.1:${mailServer.smtpPort}`,
    LOG_LEVEL: 'silent',
    ...(postgres ? { IDP_DATABASE_URL: postgres.url } : {}),
    ...redis?.env,
    ...(options.initialAccessToken ? { IDP_INITIAL_ACCESS_TOKEN: options.initialAccessToken } : {}),
    ...options.env,
  };
  if (options.clients) {
    env.IDP_CLIENTS_FILE = path.join(dataDir, 'clients.json');
    await writeFile(env.IDP_CLIENTS_FILE, JSON.stringify(options.clients));
  }
  const idp = await startIdp({
    env,
    logger: options.logger ?? false,
    botCheckDifficulty: 1000,
    retrySchedule: options.retrySchedule,
    queryLog: options.queryLog,
  });
  return {
    ...idp,
    issuer: idp.url,
    mailbox: createMailbox(`http://localhost:${mailServer.httpPort}`),
    async close() {
      await idp.close();
      await mailServer.close();
      await postgres?.drop();
      await redis?.forget();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type TestIdp = Awaited<ReturnType<typeof startTestIdp>>;
