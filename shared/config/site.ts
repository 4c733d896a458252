import path from 'node:path';
import { z } from 'zod';
import { databaseTimeoutsFrom, databaseTimeoutsSchema } from './database.ts';
import { httpUrl, loadConfig, metricsPortApart, port, postgresUrl, trustedProxies } from './load.ts';
import { mailConfigFrom, mailSchema } from './mail.ts';

/** What a participating site's settings default to, and the prefix of its variables (`RP` reads `RP_URL`). */
export type SiteSettings = {
  envPrefix: string;
  url: string;
  clientId: string;
  /** The acr the site requires of every sign-in, as the IdP's discovery document names it. */
  requiredAcr: string;
  /** The SQLite file under DATA_DIR when `<P>_DATABASE_URL` is unset. */
  databaseFile: string;
};

/** A site's own variables, named without their prefix (`URL` is read from `RP_URL`). */
function ownFields(defaults: SiteSettings) {
  return z.object({
    URL: httpUrl.default(defaults.url),
    PORT: port.optional(),
    DATABASE_URL: postgresUrl.optional(),
    ISSUER: httpUrl.default('http://localhost:4000'),
    CLIENT_ID: z.string().min(1).max(200).default(defaults.clientId),
    CLIENT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    REQUIRED_ACR: z.string().min(1).default(defaults.requiredAcr),
    SESSION_HOURS: z.coerce
      .number()
      .int()
      .positive()
      .max(24 * 30)
      .default(8),
    TRUST_PROXY: trustedProxies.default(false),
    // Unset: no metrics listener. Never the public port: the metrics are for the operator only.
    METRICS_PORT: port.optional(),
  });
}

/** The variables every service shares. */
const commonSchema = z
  .object({
    HOST: z.string().min(1).default('localhost'),
    DATA_DIR: z.string().min(1).default('data'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    NODE_ENV: z.string().optional(),
  })
  .extend(mailSchema.shape)
  .extend(databaseTimeoutsSchema.shape);

export type SiteConfig = ReturnType<typeof loadSiteConfig>;

/**
 * One loader for every participating site, parametrised by its prefix: a site
 * knows the IdP only by its issuer URL and its client credentials.
 */
export function loadSiteConfig(settings: SiteSettings, env: NodeJS.ProcessEnv = process.env) {
  const prefix = settings.envPrefix;
  const own = ownFields(settings);
  const names = Object.keys(own.shape) as (keyof typeof own.shape)[];
  // Validated under their real names, so a bad value's message names the variable the operator set.
  const prefixed = Object.fromEntries(names.map((name) => [`${prefix}_${name}`, own.shape[name]]));
  const raw = loadConfig(commonSchema.extend(prefixed), env) as Record<string, unknown>;
  const common = raw as z.infer<typeof commonSchema>;
  const site = Object.fromEntries(names.map((name) => [name, raw[`${prefix}_${name}`]])) as z.infer<
    typeof own
  >;
  const url = new URL(site.URL);
  const listenPort = site.PORT ?? Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const dataDir = path.resolve(common.DATA_DIR);
  return {
    envPrefix: prefix,
    url: site.URL,
    host: common.HOST,
    port: listenPort,
    dataDir,
    databaseUrl: site.DATABASE_URL,
    /** The SQLite file the site keeps its data in when no database URL is set. */
    databaseFile: path.join(dataDir, settings.databaseFile),
    issuer: site.ISSUER,
    clientId: site.CLIENT_ID,
    clientSecret: site.CLIENT_SECRET,
    /** The image sets NODE_ENV=production: there a site must be a confidential client. */
    production: common.NODE_ENV === 'production',
    requiredAcr: site.REQUIRED_ACR,
    sessionSeconds: site.SESSION_HOURS * 3600,
    trustProxy: site.TRUST_PROXY,
    databaseTimeouts: databaseTimeoutsFrom(common),
    /** Prometheus metrics on their own listener at HOST, when set. */
    metricsPort: metricsPortApart(`${prefix}_METRICS_PORT`, site.METRICS_PORT, listenPort),
    logLevel: common.LOG_LEVEL,
    mail: mailConfigFrom(common),
  };
}
