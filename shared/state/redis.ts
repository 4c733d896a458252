import { Redis } from 'ioredis';
import { ConfigError } from '../config/load.ts';

/**
 * One connection per service, checked at start so a wrong REDIS_URL stops the
 * process with one clear line. Later, a command waits for a reconnect rather
 * than failing at once (a Redis restart is a pause), but only for a few tries:
 * then the request fails like any store outage, and its error is logged there.
 */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 3, enableAutoPipelining: true });
  // Connection errors also reach the command that was waiting; unheard here, ioredis prints each one.
  redis.on('error', () => {});
  try {
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    // The URL may carry a password: the message names the variable, not its value.
    throw new ConfigError(
      `Invalid configuration: REDIS_URL: no Redis answers there (${(error as Error).message})`,
    );
  }
  return redis;
}

export type { Redis };
