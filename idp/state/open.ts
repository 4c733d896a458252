import type { IdpConfig } from '../../shared/config/idp.ts';
import { connectRedis } from '../../shared/state/redis.ts';
import type { IdpDatabase } from '../database.ts';
import { databaseShortLivedStore } from './database-store.ts';
import { redisShortLivedStore } from './redis-store.ts';
import type { ShortLivedStore } from './short-lived-store.ts';

/** Chosen once at start: Redis when REDIS_URL is set, else the IdP's own database. */
export async function openShortLivedStore(config: IdpConfig, db: IdpDatabase): Promise<ShortLivedStore> {
  if (!config.redis) return databaseShortLivedStore(db);
  return redisShortLivedStore(await connectRedis(config.redis.url), config.redis.keyPrefix);
}
