/** True when a write lost a race against a unique constraint, on SQLite or PostgreSQL. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

// PostgreSQL's codes for "not now": a cancelled statement (statement_timeout), a lock
// not granted, a transaction ended for idling, the server shutting down or full.
const UNAVAILABLE_CODES = new Set(['57014', '55P03', '25P03', '57P01', '57P02', '57P03', '53300']);
// What node-postgres says when it gives up itself, the server having said nothing.
const CLIENT_GAVE_UP = /^(Query read timeout|timeout exceeded when trying to connect|Connection terminated)/;

/**
 * True when the store did not answer in time or at all: the request may succeed
 * later, so it is a 503, not a 500. Works on errors from PostgreSQL, node-postgres and SQLite.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (UNAVAILABLE_CODES.has(code) || code.startsWith('08')) return true;
    if (code === 'ECONNREFUSED' || code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return true;
  }
  return typeof message === 'string' && CLIENT_GAVE_UP.test(message);
}
