import path from 'node:path';
import { z } from 'zod';
import { OWASP_BASELINE } from '../security/hashing.ts';
import { databaseTimeoutsFrom, databaseTimeoutsSchema } from './database.ts';
import {
  booleanFlag,
  httpUrl,
  loadConfig,
  metricsPortApart,
  port,
  positiveInt,
  postgresUrl,
  redisKeyPrefix,
  redisUrl,
  trustedProxies,
} from './load.ts';
import { mailConfigFrom, mailSchema } from './mail.ts';

// Never below OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane); the ceilings
// only keep a typo from making every sign-in take minutes or all the memory.
const argon2MemoryKib = positiveInt
  .min(OWASP_BASELINE.memoryKib, `must be at least ${OWASP_BASELINE.memoryKib} (OWASP's 19 MiB)`)
  .max(4 * 1024 * 1024);
const argon2TimeCost = positiveInt
  .min(OWASP_BASELINE.timeCost, `must be at least ${OWASP_BASELINE.timeCost}`)
  .max(64);
const argon2Parallelism = positiveInt.max(64);

const schema = z
  .object({
    IDP_ISSUER: httpUrl.default('http://localhost:4000'),
    IDP_PORT: port.optional(),
    HOST: z.string().min(1).default('localhost'),
    DATA_DIR: z.string().min(1).default('data'),
    IDP_DATABASE_URL: postgresUrl.optional(),
    REDIS_URL: redisUrl.optional(),
    REDIS_KEY_PREFIX: redisKeyPrefix.default('passport:idp:'),
    IDP_CLIENTS_FILE: z.string().min(1).optional(),
    IDP_CLIENTS: z.string().min(2).optional(),
    IDP_INITIAL_ACCESS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    IDP_REMEMBERED_SESSION_DAYS: positiveInt.max(400).default(30),
    IDP_SESSION_HOURS: positiveInt.max(24 * 30).default(12),
    IDP_SESSION_IDLE_MINUTES: positiveInt.max(24 * 60).default(60),
    IDP_SIGNING_KEY_ROTATION_DAYS: positiveInt.default(90),
    IDP_TRUST_PROXY: trustedProxies.default(false),
    IDP_SECRET_ANSWER_RESET: booleanFlag.default(true),
    IDP_BACKCHANNEL_LOGOUT_ATTEMPTS: positiveInt.max(1000).default(80),
    // Unset: no metrics listener. Never the public port: the metrics are for the operator only.
    IDP_METRICS_PORT: port.optional(),
    IDP_NO_SCRIPT_FORMS_PER_HOUR: positiveInt.max(1000).default(3),
    IDP_ARGON2_MEMORY_KIB: argon2MemoryKib.default(OWASP_BASELINE.memoryKib),
    IDP_ARGON2_TIME_COST: argon2TimeCost.default(OWASP_BASELINE.timeCost),
    IDP_ARGON2_PARALLELISM: argon2Parallelism.default(OWASP_BASELINE.parallelism),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .extend(mailSchema.shape)
  .extend(databaseTimeoutsSchema.shape);

export type IdpConfig = ReturnType<typeof loadIdpConfig>;

export function loadIdpConfig(env: NodeJS.ProcessEnv = process.env) {
  const raw = loadConfig(schema, env);
  const issuer = new URL(raw.IDP_ISSUER);
  const port = raw.IDP_PORT ?? Number(issuer.port || (issuer.protocol === 'https:' ? 443 : 80));
  return {
    issuer: raw.IDP_ISSUER,
    host: raw.HOST,
    port,
    dataDir: path.resolve(raw.DATA_DIR),
    databaseUrl: raw.IDP_DATABASE_URL,
    /** Where short-lived state goes; unset, it stays in the database. */
    redis: raw.REDIS_URL ? { url: raw.REDIS_URL, keyPrefix: raw.REDIS_KEY_PREFIX } : undefined,
    clientsFile: raw.IDP_CLIENTS_FILE,
    /** Static clients configured at all, in the file or inline (IDP_CLIENTS). */
    hasStaticClients: Boolean(raw.IDP_CLIENTS_FILE || raw.IDP_CLIENTS),
    initialAccessToken: raw.IDP_INITIAL_ACCESS_TOKEN,
    rememberedSessionSeconds: raw.IDP_REMEMBERED_SESSION_DAYS * 86_400,
    /** Without "Sign me in automatically": at most this long after the sign-in... */
    sessionSeconds: raw.IDP_SESSION_HOURS * 3600,
    /** ...and ended sooner after this long without use. */
    sessionIdleSeconds: raw.IDP_SESSION_IDLE_MINUTES * 60,
    signingKeyRotationSeconds: raw.IDP_SIGNING_KEY_ROTATION_DAYS * 86_400,
    trustProxy: raw.IDP_TRUST_PROXY,
    /** Knowledge-based recovery, which ASVS V6.4.2 forbids: an operator may turn it off. */
    secretAnswerReset: raw.IDP_SECRET_ANSWER_RESET,
    /** Tries at one back-channel logout before giving up; the default spans about 12 hours. */
    backchannelLogoutAttempts: raw.IDP_BACKCHANNEL_LOGOUT_ATTEMPTS,
    databaseTimeouts: databaseTimeoutsFrom(raw),
    /** Prometheus metrics on their own listener at HOST, when set. */
    metricsPort: metricsPortApart('IDP_METRICS_PORT', raw.IDP_METRICS_PORT, port),
    /** Sign-ups (and secret-answer resets) per network and hour from browsers that cannot run the bot check. */
    noScriptFormsPerHour: raw.IDP_NO_SCRIPT_FORMS_PER_HOUR,
    /** argon2id parameters of new hashes; a stored hash made otherwise is re-made at its next sign-in. */
    passwordHashing: {
      memoryKib: raw.IDP_ARGON2_MEMORY_KIB,
      timeCost: raw.IDP_ARGON2_TIME_COST,
      parallelism: raw.IDP_ARGON2_PARALLELISM,
    },
    logLevel: raw.LOG_LEVEL,
    mail: mailConfigFrom(raw),
  };
}
