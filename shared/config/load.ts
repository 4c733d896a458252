import { isIP } from 'node:net';
import { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Validates the environment once at start. A bad value stops the process with
 * one line that names the variable, so an operator never has to read a stack.
 */
export function loadConfig<Schema extends z.ZodType>(
  schema: Schema,
  env: NodeJS.ProcessEnv,
): z.infer<Schema> {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const variable = issue.path.join('.') || 'environment';
  throw new ConfigError(`Invalid configuration: ${variable}: ${issue.message}`);
}

export const port = z.coerce.number().int().min(0).max(65535);

/** A metrics port, refused when it is the public one: the metrics are for the operator only. */
export function metricsPortApart(variable: string, metricsPort: number | undefined, publicPort: number) {
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === publicPort) {
    throw new ConfigError(`Invalid configuration: ${variable}: must not be the public port ${publicPort}`);
  }
  return metricsPort;
}

export const httpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), 'must be an http(s) URL')
  .transform((value) => value.replace(/\/+$/, ''));

export const postgresUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// URL');

export const redisUrl = z
  .string()
  .refine((value) => /^rediss?:\/\/[^/]/.test(value), 'must be a redis:// or rediss:// URL');

// Letters, digits and a few separators: a prefix is part of every key, never a pattern.
export const redisKeyPrefix = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'may hold only letters, digits and _ . : -');

export const smtpUrl = z
  .string()
  .refine((value) => /^smtps?:\/\//.test(value), 'must be an smtp:// or smtps:// URL');

export const positiveInt = z.coerce.number().int().positive();

export const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => ['true', '1', 'yes'].includes(value));

// proxy-addr's names for the private ranges; anything else must be an address or a network.
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyAddress(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  // A /0 is every sender: the same as trusting everything.
  return /^\d+$/.test(prefix) && bits >= 1 && bits <= (family === 4 ? 32 : 128);
}

export type TrustedProxies = false | number | string[];

/**
 * Which senders may speak for the client in X-Forwarded-*: a hop count (`1`: the
 * one proxy in front of us) or a list of proxy addresses and networks. Never
 * "everyone": then any client could name its own address and throttle lane.
 */
export const trustedProxies = z.string().transform((value, context): TrustedProxies => {
  const trimmed = value.trim();
  if (trimmed === 'false' || trimmed === '0') return false;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const entries = trimmed.split(',').map((entry) => entry.trim());
  const bad = entries.find((entry) => !isProxyAddress(entry));
  if (bad === undefined) return entries;
  context.addIssue({
    code: 'custom',
    message: `"${bad}" is neither a hop count nor a proxy address or network; trusting every sender is not allowed (give e.g. 1, or 10.0.0.0/8,192.0.2.7)`,
  });
  return z.NEVER;
});
