import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type LogConfig, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { type DatabaseTimeouts, DEFAULT_DATABASE_TIMEOUTS } from '../config/database.ts';
import { watchPool } from '../observability/metrics.ts';
import { cachingStatements } from './statement-cache.ts';

// int8 (bigint) columns hold epoch milliseconds, well inside Number's safe range.
pg.types.setTypeParser(pg.types.builtins.INT8, Number);

export type DatabaseTarget = { postgresUrl: string } | { sqliteFile: string };

export type Dialect = 'postgres' | 'sqlite';

// The server cancels a slow statement itself; the client gives up a little later,
// for a server that cannot even say so (a hung host, a stalled network).
const CLIENT_GRACE_MS = 1_000;

export type ConnectOptions = {
  // Kysely's query log: tests read it to see which statements a request runs.
  log?: LogConfig;
  /** The configured ones; tools and tests that connect directly get the defaults. */
  timeouts?: DatabaseTimeouts;
  /** The service's name in the pool metrics; unnamed pools are not measured. */
  name?: string;
};

/**
 * One Kysely instance per service. SQLite is the embedded default (WAL, so
 * readers never wait for the writer); PostgreSQL is the scale-out store.
 */
export function connectDatabase<Schema>(
  target: DatabaseTarget,
  options: ConnectOptions = {},
): { db: Kysely<Schema>; dialect: Dialect } {
  const { log } = options;
  const timeouts = options.timeouts ?? DEFAULT_DATABASE_TIMEOUTS;
  if ('postgresUrl' in target) {
    const pool = new pg.Pool({
      connectionString: target.postgresUrl,
      max: 10,
      // Bounds both opening a connection and waiting for a free one in a busy pool.
      connectionTimeoutMillis: timeouts.connectMs,
      idleTimeoutMillis: timeouts.idleMs,
      statement_timeout: timeouts.statementMs,
      query_timeout: timeouts.statementMs + CLIENT_GRACE_MS,
      // A transaction left open (a crashed request) must not hold its locks for ever.
      idle_in_transaction_session_timeout: timeouts.idleMs,
    });
    // An idle connection the server closed (restart, failover) is dropped by the
    // pool and replaced on next use; unheard, its error would end the process.
    pool.on('error', () => {});
    if (options.name) watchPool(options.name, pool);
    return { db: new Kysely<Schema>({ dialect: new PostgresDialect({ pool }), log }), dialect: 'postgres' };
  }
  if (target.sqliteFile !== ':memory:') fs.mkdirSync(path.dirname(target.sqliteFile), { recursive: true });
  const database = new SQLite(target.sqliteFile);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  // A writer waits this long for another writer's lock, then fails rather than hang.
  database.pragma(`busy_timeout = ${timeouts.statementMs}`);
  return {
    db: new Kysely<Schema>({ dialect: new SqliteDialect({ database: cachingStatements(database) }), log }),
    dialect: 'sqlite',
  };
}

export function databaseTarget(postgresUrl: string | undefined, sqliteFile: string): DatabaseTarget {
  return postgresUrl ? { postgresUrl } : { sqliteFile };
}
