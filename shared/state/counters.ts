import type { Kysely } from 'kysely';
import type { CounterTables } from '../db/tables.ts';
import {
  clearCount,
  countEachInWindow,
  countInWindow,
  countSoFar,
  sweepCounters,
} from '../db/window-counters.ts';
import type { Redis } from './redis.ts';

export type CounterReading = { count: number; windowStartedAt: number; lastCountedAt: number };

/**
 * Fixed-window counters shared by every copy of a service (throttles, rate
 * limits), in the database or in Redis. Counting and reading is one atomic
 * step in both, so two events at the same moment never both see the old count.
 */
export interface WindowCounters {
  /** Counts one event and returns the count including it. */
  count(key: string, windowMs: number, now?: number): Promise<number>;
  /** Counts one event on each of several counters with the same window, as one atomic step per counter. */
  countEach(keys: readonly string[], windowMs: number, now?: number): Promise<Map<string, number>>;
  /** The count in the current window, without counting. */
  soFar(key: string, windowMs: number, now?: number): Promise<number>;
  /** Several counters at once, with when each last counted (a growing wait is measured from it). */
  read(keys: readonly string[]): Promise<Map<string, CounterReading>>;
  /** Takes back one event from each counter that has any (a try counted before it was checked). */
  uncount(keys: readonly string[]): Promise<void>;
  clear(key: string): Promise<void>;
  /** Reclaims counters untouched for longer than any window. */
  sweep(olderThanMs: number, now?: number): Promise<void>;
}

export function databaseCounters<Schema extends CounterTables>(store: Kysely<Schema>): WindowCounters {
  // Kysely is invariant in its schema; a service's schema holds ours, and we only touch ours.
  const db = store as unknown as Kysely<CounterTables>;
  return {
    count: (key, windowMs, now) => countInWindow(db, key, windowMs, now),
    countEach: (keys, windowMs, now) => countEachInWindow(db, keys, windowMs, now),
    soFar: (key, windowMs, now) => countSoFar(db, key, windowMs, now),
    async read(keys) {
      if (keys.length === 0) return new Map();
      const rows = await db
        .selectFrom('throttle_counters')
        .select(['key', 'count', 'window_started_at', 'updated_at'])
        .where('key', 'in', keys)
        .execute();
      return new Map(
        rows.map((row) => [
          row.key,
          {
            count: Number(row.count),
            windowStartedAt: Number(row.window_started_at),
            lastCountedAt: Number(row.updated_at),
          },
        ]),
      );
    },
    async uncount(keys) {
      if (keys.length === 0) return;
      await db
        .updateTable('throttle_counters')
        .set((eb) => ({ count: eb('count', '-', 1) }))
        .where('key', 'in', keys)
        .where('count', '>', 0)
        .execute();
    },
    clear: (key) => clearCount(db, key),
    sweep: (olderThanMs, now) => sweepCounters(db, olderThanMs, now),
  };
}

// A counter is a hash: c (count), s (window start), u (last counted). The
// window is judged by the caller's clock, as in the database, so tests and
// copies agree; Redis only forgets the hash once the window is over anyway.
const COUNT = `
local start = tonumber(redis.call('HGET', KEYS[1], 's'))
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
if (not start) or start <= now - window then
  redis.call('HSET', KEYS[1], 'c', 1, 's', now, 'u', now)
  redis.call('PEXPIRE', KEYS[1], window)
  return 1
end
redis.call('HSET', KEYS[1], 'u', now)
return redis.call('HINCRBY', KEYS[1], 'c', 1)
`;

const UNCOUNT = `
for _, key in ipairs(KEYS) do
  local count = tonumber(redis.call('HGET', key, 'c'))
  if count and count > 0 then redis.call('HINCRBY', key, 'c', -1) end
end
return 0
`;

/** The same counters in Redis, each key under `prefix` so several services can share one Redis. */
export function redisCounters(redis: Redis, prefix: string): WindowCounters {
  const keyOf = (key: string) => `${prefix}counter:${key}`;
  return {
    async count(key, windowMs, now = Date.now()) {
      return Number(await redis.eval(COUNT, 1, keyOf(key), now, windowMs));
    },
    async countEach(keys, windowMs, now = Date.now()) {
      const counts = await Promise.all(keys.map((key) => this.count(key, windowMs, now)));
      return new Map(keys.map((key, i) => [key, counts[i]!]));
    },
    async soFar(key, windowMs, now = Date.now()) {
      const [count, start] = await redis.hmget(keyOf(key), 'c', 's');
      return count && Number(start) > now - windowMs ? Number(count) : 0;
    },
    async read(keys) {
      const readings = new Map<string, CounterReading>();
      const rows = await Promise.all(keys.map((key) => redis.hmget(keyOf(key), 'c', 's', 'u')));
      rows.forEach(([count, start, last], i) => {
        if (count === null) return;
        readings.set(keys[i]!, {
          count: Number(count),
          windowStartedAt: Number(start),
          lastCountedAt: Number(last),
        });
      });
      return readings;
    },
    async uncount(keys) {
      if (keys.length === 0) return;
      await redis.eval(UNCOUNT, keys.length, ...keys.map(keyOf));
    },
    async clear(key) {
      await redis.del(keyOf(key));
    },
    // Redis expires each counter with its window.
    sweep: async () => {},
  };
}
