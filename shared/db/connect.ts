import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type LogConfig, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';

// int8 (bigint) columns hold epoch milliseconds, well inside Number's safe range.
pg.types.setTypeParser(pg.types.builtins.INT8, Number);

export type DatabaseTarget = { postgresUrl: string } | { sqliteFile: string };

export type Dialect = 'postgres' | 'sqlite';

/**
 * One Kysely instance per service. SQLite is the embedded default (WAL, so
 * readers never wait for the writer); PostgreSQL is the scale-out store.
 */
export function connectDatabase<Schema>(
  target: DatabaseTarget,
  // Kysely's query log: tests read it to see which statements a request runs.
  options: { log?: LogConfig } = {},
): { db: Kysely<Schema>; dialect: Dialect } {
  const { log } = options;
  if ('postgresUrl' in target) {
    const pool = new pg.Pool({ connectionString: target.postgresUrl, max: 10 });
    // An idle connection the server closed (restart, failover) is dropped by the
    // pool and replaced on next use; unheard, its error would end the process.
    pool.on('error', () => {});
    return { db: new Kysely<Schema>({ dialect: new PostgresDialect({ pool }), log }), dialect: 'postgres' };
  }
  if (target.sqliteFile !== ':memory:') fs.mkdirSync(path.dirname(target.sqliteFile), { recursive: true });
  const database = new SQLite(target.sqliteFile);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return { db: new Kysely<Schema>({ dialect: new SqliteDialect({ database }), log }), dialect: 'sqlite' };
}

export function databaseTarget(postgresUrl: string | undefined, sqliteFile: string): DatabaseTarget {
  return postgresUrl ? { postgresUrl } : { sqliteFile };
}
