import path from 'node:path';
import { z } from 'zod';
import { databaseTimeoutsFrom, databaseTimeoutsSchema } from './database.ts';
import { httpUrl, loadConfig, port, positiveInt, postgresUrl, trustedProxies } from './load.ts';
import { mailConfigFrom, mailSchema } from './mail.ts';

// 32 random bytes in base64 or base64url (43 or 44 characters): the AES-256 key.
const credentialsKey = z
  .string()
  .regex(/^[A-Za-z0-9+/_-]{43}=?$/, 'must be 32 bytes in base64 or base64url (43 characters)')
  .transform((value) => Buffer.from(value, 'base64'))
  .refine((key) => key.length === 32, 'must be 32 bytes in base64 or base64url (43 characters)');

const schema = z
  .object({
    OS_ADMIN_URL: httpUrl.default('http://localhost:4004'),
    OS_ADMIN_PORT: port.optional(),
    HOST: z.string().min(1).default('localhost'),
    DATA_DIR: z.string().min(1).default('data'),
    OS_DATABASE_URL: postgresUrl.optional(),
    // Encrypts the temporary passwords the portal shows again; unset outside production,
    // a key generated at first start is kept in the store.
    OS_CREDENTIALS_KEY: credentialsKey.optional(),
    OS_TRUST_PROXY: trustedProxies.default(false),
    OS_ADMIN_SESSION_HOURS: positiveInt.max(24).default(8),
    OS_ADMIN_SESSION_IDLE_MINUTES: positiveInt.max(24 * 60).default(30),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    NODE_ENV: z.string().optional(),
  })
  .extend(mailSchema.shape)
  .extend(databaseTimeoutsSchema.shape);

export type OnlineServicesConfig = ReturnType<typeof loadOnlineServicesConfig>;

/**
 * Online Services: one service, one database, two listeners with two trusts: the
 * Customer Portal (a Passport site) and the Administration Center (its own credentials).
 */
export function loadOnlineServicesConfig(env: NodeJS.ProcessEnv = process.env) {
  const raw = loadConfig(schema, env);
  const adminUrl = new URL(raw.OS_ADMIN_URL);
  return {
    host: raw.HOST,
    dataDir: path.resolve(raw.DATA_DIR),
    databaseUrl: raw.OS_DATABASE_URL,
    /** The key the temporary passwords are encrypted under; undefined: the stored one (not in production). */
    credentialsKey: raw.OS_CREDENTIALS_KEY,
    /** The image sets NODE_ENV=production: there the credentials key must come from configuration. */
    production: raw.NODE_ENV === 'production',
    trustProxy: raw.OS_TRUST_PROXY,
    admin: {
      url: raw.OS_ADMIN_URL,
      port: raw.OS_ADMIN_PORT ?? Number(adminUrl.port || (adminUrl.protocol === 'https:' ? 443 : 80)),
      /** A Center session ends this long after sign-in... */
      sessionSeconds: raw.OS_ADMIN_SESSION_HOURS * 3600,
      /** ...or sooner, after this long without a request. */
      sessionIdleSeconds: raw.OS_ADMIN_SESSION_IDLE_MINUTES * 60,
    },
    databaseTimeouts: databaseTimeoutsFrom(raw),
    logLevel: raw.LOG_LEVEL,
    mail: mailConfigFrom(raw),
  };
}
