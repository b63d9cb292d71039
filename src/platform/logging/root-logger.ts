import pino, { type Logger } from 'pino';
import type { LogLevel } from '../../config/environment.js';
import { currentRequestId } from './request-context.js';

/**
 * Keys that must never reach a log line, wherever they appear in a logged object. Code logs
 * uuids and counts only; this is the net under that rule, not the rule itself.
 */
const REDACTED_PATHS = [
  'icn',
  'email',
  'ssn',
  'password',
  'token',
  'authorization',
  '*.icn',
  '*.email',
  '*.ssn',
  '*.password',
  '*.token',
  '*.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
];

export function createRootLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'rules-precache' },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin() {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
