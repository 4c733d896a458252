import type { Database, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** More distinct statements than the services run; a bound only against a runaway caller. */
const CACHED_STATEMENTS = 1_000;

/**
 * Kysely asks better-sqlite3 to prepare every statement on every call, and
 * preparing costs about as much as running a small one. The same SQL text is
 * the same statement, so each is prepared once and reused. Reuse is safe here:
 * Kysely runs a statement to completion synchronously (all/run) before the
 * next call can take it, and SQLite prepares it again by itself after a
 * schema change.
 */
export function cachingStatements(database: Database): SqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (statement) {
        // Least recently used goes first: re-insert to mark this one fresh.
        statements.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (statements.size >= CACHED_STATEMENTS) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, statement);
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}
