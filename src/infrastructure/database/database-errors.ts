import { DependencyUnavailable } from '../../platform/errors/domain-errors.js';

/**
 * Errors that mean "the database cannot answer right now" rather than "this query is wrong":
 * connection failures, lost connections, server overload and statement timeouts.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_QUERY_INTERRUPTED',
  'ER_STATEMENT_TIMEOUT', // MariaDB max_statement_time
  'ER_QUERY_TIMEOUT', // MySQL max_execution_time
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, fatal } = error as { code?: unknown; fatal?: unknown };
  if (fatal === true) return true;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  return error instanceof Error && /connect ETIMEDOUT|Pool is closed|Connection lost/i.test(error.message);
}

/** Rethrows unavailability as the domain error; anything else is a bug and stays as it is. */
export function translateDatabaseError(error: unknown): never {
  if (isDatabaseUnavailable(error)) throw new DependencyUnavailable('database', { cause: error });
  throw error;
}
