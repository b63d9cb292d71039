import type { Logger } from '@nestjs/common';
import {
  DependencyStateLog,
  type DependencyStateMessages,
} from '../../platform/health/dependency-state-log.js';

/** What a BullMQ Queue and Worker both offer: their error events and their connections' `ready`. */
export interface BullConnectionEvents {
  on(event: 'error', listener: (error: Error) => void): unknown;
  getBackend(): { on(event: 'ready', listener: () => void): unknown };
}

/**
 * Failures of the connection itself, after which ioredis reconnects (and emits `ready` once it
 * is back): socket errors, and a handshake or ready check that timed out on a Redis that
 * accepts connections but does not answer.
 */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
]);

const CONNECTION_ERROR_MESSAGE =
  /Connection is closed|Stream isn't writeable|max retries per request|Command timed out/i;

export function isConnectionError(error: Error & { code?: string }): boolean {
  return (
    CONNECTION_ERROR_CODES.has(error.code ?? '') ||
    CONNECTION_ERROR_MESSAGE.test(error.message) ||
    error.name === 'MaxRetriesPerRequestError'
  );
}

/**
 * Logs a BullMQ queue's or worker's Redis connection by state change. BullMQ reports every
 * failed reconnect of each of its connections (a worker has two) as an `error`, several a
 * second while Redis is down: the first is logged as the outage, the rest are silent until a
 * connection is ready again, which is logged once. Errors that are not about the connection (a
 * script or a job failing) are logged each time, whatever the state.
 */
export function logConnectionStateChanges(
  target: BullConnectionEvents,
  logger: Pick<Logger, 'warn' | 'log'>,
  messages: DependencyStateMessages & { otherError: string },
  fields: Record<string, unknown> = {},
): DependencyStateLog {
  const state = new DependencyStateLog(logger, messages, fields);
  target.on('error', (error) => {
    if (isConnectionError(error)) state.failed(error);
    else logger.warn({ msg: messages.otherError, ...fields, error: error.message });
  });
  target.getBackend().on('ready', () => state.succeeded());
  return state;
}
