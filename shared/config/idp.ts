import path from 'node:path';
import { z } from 'zod';
import { booleanFlag, httpUrl, loadConfig, port, positiveInt, postgresUrl, trustedProxies } from './load.ts';
import { mailConfigFrom, mailSchema } from './mail.ts';

const schema = z
  .object({
    IDP_ISSUER: httpUrl.default('http://localhost:4000'),
    IDP_PORT: port.optional(),
    HOST: z.string().min(1).default('localhost'),
    DATA_DIR: z.string().min(1).default('data'),
    IDP_DATABASE_URL: postgresUrl.optional(),
    IDP_CLIENTS_FILE: z.string().min(1).optional(),
    IDP_CLIENTS: z.string().min(2).optional(),
    IDP_INITIAL_ACCESS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    IDP_REMEMBERED_SESSION_DAYS: positiveInt.max(400).default(30),
    IDP_SESSION_HOURS: positiveInt.max(24 * 30).default(12),
    IDP_SESSION_IDLE_MINUTES: positiveInt.max(24 * 60).default(60),
    IDP_SIGNING_KEY_ROTATION_DAYS: positiveInt.default(90),
    IDP_TRUST_PROXY: trustedProxies.default(false),
    IDP_SECRET_ANSWER_RESET: booleanFlag.default(true),
    IDP_NO_SCRIPT_FORMS_PER_HOUR: positiveInt.max(1000).default(3),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .extend(mailSchema.shape);

export type IdpConfig = ReturnType<typeof loadIdpConfig>;

export function loadIdpConfig(env: NodeJS.ProcessEnv = process.env) {
  const raw = loadConfig(schema, env);
  const issuer = new URL(raw.IDP_ISSUER);
  return {
    issuer: raw.IDP_ISSUER,
    host: raw.HOST,
    port: raw.IDP_PORT ?? Number(issuer.port || (issuer.protocol === 'https:' ? 443 : 80)),
    dataDir: path.resolve(raw.DATA_DIR),
    databaseUrl: raw.IDP_DATABASE_URL,
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
    /** Sign-ups (and secret-answer resets) per network and hour from browsers that cannot run the bot check. */
    noScriptFormsPerHour: raw.IDP_NO_SCRIPT_FORMS_PER_HOUR,
    logLevel: raw.LOG_LEVEL,
    mail: mailConfigFrom(raw),
  };
}
