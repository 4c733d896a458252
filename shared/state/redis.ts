import { Redis } from 'ioredis';

/**
 * One connection per service. A command waits for a reconnect rather than
 * failing at once (a Redis restart is a pause, not an error page), but not
 * forever: after a few tries the request fails like any store outage.
 */
export function connectRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 3, enableAutoPipelining: true });
}

export type { Redis };
