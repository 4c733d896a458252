import type { IdpConfig } from '../../shared/config/idp.ts';
import type { IdpDatabase } from '../database.ts';
import { databaseShortLivedStore } from './database-store.ts';
import type { ShortLivedStore } from './short-lived-store.ts';

/** Chosen once at start: Redis when REDIS_URL is set, else the IdP's own database. */
export async function openShortLivedStore(config: IdpConfig, db: IdpDatabase): Promise<ShortLivedStore> {
  if (!config.redis) return databaseShortLivedStore(db);
  // Loaded only here: a start without Redis is spared loading its client.
  const [{ connectRedis }, { redisShortLivedStore }] = await Promise.all([
    import('../../shared/state/redis.ts'),
    import('./redis-store.ts'),
  ]);
  return redisShortLivedStore(await connectRedis(config.redis.url), config.redis.keyPrefix);
}
