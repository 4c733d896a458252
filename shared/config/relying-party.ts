import path from 'node:path';
import { z } from 'zod';
import { databaseTimeoutsFrom, databaseTimeoutsSchema } from './database.ts';
import { httpUrl, loadConfig, metricsPortApart, port, postgresUrl, trustedProxies } from './load.ts';
import { mailConfigFrom, mailSchema } from './mail.ts';

const schema = z
  .object({
    RP_URL: httpUrl.default('http://localhost:4001'),
    RP_PORT: port.optional(),
    HOST: z.string().min(1).default('localhost'),
    DATA_DIR: z.string().min(1).default('data'),
    RP_DATABASE_URL: postgresUrl.optional(),
    RP_ISSUER: httpUrl.default('http://localhost:4000'),
    RP_CLIENT_ID: z.string().min(1).max(200).default('customersource'),
    RP_CLIENT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    // The IdP's strong level (password + security key), as its discovery document names it.
    RP_REQUIRED_ACR: z.string().min(1).default('urn:passport:acr:strong'),
    RP_SESSION_HOURS: z.coerce
      .number()
      .int()
      .positive()
      .max(24 * 30)
      .default(8),
    RP_TRUST_PROXY: trustedProxies.default(false),
    // Unset: no metrics listener. Never the public port: the metrics are for the operator only.
    RP_METRICS_PORT: port.optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    NODE_ENV: z.string().optional(),
  })
  .extend(mailSchema.shape)
  .extend(databaseTimeoutsSchema.shape);

export type RelyingPartyConfig = ReturnType<typeof loadRelyingPartyConfig>;

/** The extranet's settings; it knows the IdP only by its issuer URL and its client credentials. */
export function loadRelyingPartyConfig(env: NodeJS.ProcessEnv = process.env) {
  const raw = loadConfig(schema, env);
  const url = new URL(raw.RP_URL);
  const port = raw.RP_PORT ?? Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return {
    url: raw.RP_URL,
    host: raw.HOST,
    port,
    dataDir: path.resolve(raw.DATA_DIR),
    databaseUrl: raw.RP_DATABASE_URL,
    issuer: raw.RP_ISSUER,
    clientId: raw.RP_CLIENT_ID,
    clientSecret: raw.RP_CLIENT_SECRET,
    /** The image sets NODE_ENV=production: there the extranet must be a confidential client. */
    production: raw.NODE_ENV === 'production',
    requiredAcr: raw.RP_REQUIRED_ACR,
    sessionSeconds: raw.RP_SESSION_HOURS * 3600,
    trustProxy: raw.RP_TRUST_PROXY,
    databaseTimeouts: databaseTimeoutsFrom(raw),
    /** Prometheus metrics on their own listener at HOST, when set. */
    metricsPort: metricsPortApart('RP_METRICS_PORT', raw.RP_METRICS_PORT, port),
    logLevel: raw.LOG_LEVEL,
    mail: mailConfigFrom(raw),
  };
}
