import type { Kysely } from 'kysely';
import type { SharedTables } from '../db/tables.ts';
import type { Redis } from './redis.ts';

/** Bot-check solutions already accepted, so each is accepted once only, on any copy. */
export interface SpentProofs {
  /** Records the proof as spent until `expiresAt`; true only for the first call. One atomic write. */
  spend(signature: string, expiresAt: number): Promise<boolean>;
  /** Forgets proofs that have expired anyway. */
  sweep(): Promise<void>;
}

export function databaseSpentProofs<Schema extends SharedTables>(store: Kysely<Schema>): SpentProofs {
  const db = store as unknown as Kysely<SharedTables>;
  return {
    async spend(signature, expiresAt) {
      const result = await db
        .insertInto('botcheck_spent')
        .values({ signature, expires_at: expiresAt })
        .onConflict((conflict) => conflict.column('signature').doNothing())
        .executeTakeFirst();
      return result.numInsertedOrUpdatedRows === 1n;
    },
    async sweep() {
      await db.deleteFrom('botcheck_spent').where('expires_at', '<', Date.now()).execute();
    },
  };
}

export function redisSpentProofs(redis: Redis, prefix: string): SpentProofs {
  return {
    async spend(signature, expiresAt) {
      const set = await redis.set(`${prefix}botcheck:${signature}`, '1', 'PXAT', expiresAt, 'NX');
      return set === 'OK';
    },
    // Redis forgets each proof when it expires.
    sweep: async () => {},
  };
}
