import { z } from 'zod';
import { positiveInt } from './load.ts';

export const DEFAULT_DATABASE_TIMEOUTS = { connectMs: 5_000, statementMs: 10_000, idleMs: 30_000 };

export const databaseTimeoutsSchema = z.object({
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt.max(600_000).default(DEFAULT_DATABASE_TIMEOUTS.connectMs),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.max(3_600_000).default(DEFAULT_DATABASE_TIMEOUTS.statementMs),
  DATABASE_IDLE_TIMEOUT_MS: positiveInt.max(3_600_000).default(DEFAULT_DATABASE_TIMEOUTS.idleMs),
});

/**
 * How long a request may wait on the store. A hung database then fails requests
 * within seconds instead of holding every one of them as long as it hangs.
 */
export type DatabaseTimeouts = {
  /** Opening a connection, and the longest a readiness check waits for an answer. */
  connectMs: number;
  /** One statement, a lock wait included (SQLite: its busy timeout). */
  statementMs: number;
  /** An unused pooled connection is closed, and a transaction left idle is ended, after this long. */
  idleMs: number;
};

export function databaseTimeoutsFrom(raw: z.infer<typeof databaseTimeoutsSchema>): DatabaseTimeouts {
  return {
    connectMs: raw.DATABASE_CONNECT_TIMEOUT_MS,
    statementMs: raw.DATABASE_STATEMENT_TIMEOUT_MS,
    idleMs: raw.DATABASE_IDLE_TIMEOUT_MS,
  };
}
