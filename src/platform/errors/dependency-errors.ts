import type { LoggerService } from '@nestjs/common';
import { DependencyUnavailable, DomainError } from './domain-errors.js';

/**
 * What ioredis raises when a command got no answer: the connection is closed or reconnecting
 * (fail-fast connections refuse commands then), the command outlived its timeout or its retries,
 * or no cluster node can take it. Redis's own error replies (a ReplyError such as WRONGTYPE) are
 * not among them: those are bugs, not outages.
 */
const REDIS_NO_ANSWER = [
  /^Connection is closed\.$/,
  /^Command timed out$/,
  /^Socket timeout\./,
  /^Stream isn't writeable/,
  /^Cluster isn't ready/,
  /^Cluster is disconnecting\.$/,
  /^None of startup nodes is available$/,
  /^Node is disconnected$/,
  /^No master node is available/,
  /^Too many Cluster redirections\./,
];
const REDIS_ERROR_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
/** Socket failures: some dependency stopped answering (database errors are mapped where they occur). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/**
 * The error filters' backstop: a dependency failure that a call site did not turn into a
 * DependencyUnavailable still leaves as 503 / UNAVAILABLE (the caller may retry), not as an
 * internal error. Returns undefined for anything else.
 */
export function asDependencyUnavailable(error: unknown): DependencyUnavailable | undefined {
  if (!(error instanceof Error) || error instanceof DomainError) return undefined;
  if (REDIS_ERROR_NAMES.has(error.name) || REDIS_NO_ANSWER.some((pattern) => pattern.test(error.message)))
    return new DependencyUnavailable('redis', { cause: error });
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && NETWORK_CODES.has(code))
    return new DependencyUnavailable('a dependency', { cause: error });
  return undefined;
}

/** Names the unmapped failure, so the call site that let it through can be found and mended. */
export function warnUnmapped(logger: LoggerService, error: DependencyUnavailable): void {
  logger.warn({
    msg: 'dependency failure reached the error filter unmapped; answered as unavailable',
    dependency: error.dependency,
    error: error.cause instanceof Error ? error.cause.message : String(error.cause),
  });
}
