import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis every development and CI machine runs; TEST_REDIS_URL names it for a whole suite run. */
export const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** Set when the whole suite runs with short-lived state in Redis (`npm run test:redis`). */
export const SUITE_ON_REDIS = Boolean(process.env.TEST_REDIS_URL);

/** A key prefix of its own, so test files and copies sharing one Redis never see each other's keys. */
export function uniqueKeyPrefix(): string {
  return `passport-test:${randomUUID()}:`;
}

/**
 * The settings that put an IdP's short-lived state in Redis under `prefix`
 * (two copies of one IdP share it), and a cleanup that removes its keys.
 */
export function redisSettings(prefix = uniqueKeyPrefix()) {
  return {
    env: { REDIS_URL, REDIS_KEY_PREFIX: prefix },
    async forget() {
      const redis = new Redis(REDIS_URL);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          if (keys.length > 0) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        await redis.quit();
      }
    },
  };
}

/** Redis settings when the suite runs on Redis; nothing otherwise. */
export function suiteRedisSettings() {
  return SUITE_ON_REDIS ? redisSettings() : undefined;
}
