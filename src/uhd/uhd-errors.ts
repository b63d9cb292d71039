import { UpstreamNetworkError } from '../infrastructure/http/upstream-http-client.js';
import { TimeoutError } from '../platform/async/with-timeout.js';
import type { ResourceOutcome } from '../precache/precache-outcomes.js';

/** Every failure of a UHD call is one of these; messages carry status codes, never bodies. */
export abstract class UhdError extends Error {
  abstract readonly outcome: ResourceOutcome;
  /** Whether this failure says the upstream is unhealthy (it counts towards opening the circuit). */
  abstract readonly upstreamFault: boolean;
  /** Whether trying again later can help. */
  abstract readonly retryable: boolean;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UhdHttpError extends UhdError {
  readonly outcome: ResourceOutcome;
  readonly upstreamFault: boolean;
  readonly retryable: boolean;

  constructor(
    readonly operation: string,
    readonly status: number,
  ) {
    super(`UHD ${operation} answered HTTP ${status}`);
    const overloaded = status === 429 || status === 408;
    this.upstreamFault = status >= 500 || overloaded;
    this.retryable = this.upstreamFault;
    this.outcome =
      status === 401 || status === 403
        ? 'unauthorized'
        : this.upstreamFault
          ? 'server_error'
          : 'client_error';
  }
}

export class UhdTimeoutError extends UhdError {
  readonly outcome = 'timeout';
  readonly upstreamFault = true;
  readonly retryable = true;
  constructor(operation: string, ms: number) {
    super(`UHD ${operation} timed out after ${ms} ms`);
  }
}

export class UhdNetworkError extends UhdError {
  readonly outcome = 'network_error';
  readonly upstreamFault = true;
  readonly retryable = true;
  constructor(operation: string, code: string, options?: ErrorOptions) {
    super(`UHD ${operation} connection failed (${code})`, options);
  }
}

/** The upstream answered 2xx with a body that is not the documented JSON. */
export class UhdMalformedResponse extends UhdError {
  readonly outcome = 'server_error';
  readonly upstreamFault = true;
  readonly retryable = true;
  constructor(operation: string) {
    super(`UHD ${operation} answered with a malformed body`);
  }
}

/** The circuit is open: the call was refused without reaching the upstream. */
export class UhdCircuitOpenError extends UhdError {
  readonly outcome = 'circuit_open';
  readonly upstreamFault = false;
  readonly retryable = true;
  constructor() {
    super('UHD circuit breaker is open');
  }
}

/** Our side gave up (shutdown, the caller went away); says nothing about the upstream. */
export class UhdCancelledError extends UhdError {
  readonly outcome = 'cancelled';
  readonly upstreamFault = false;
  readonly retryable = true;
  constructor(operation: string, options?: ErrorOptions) {
    super(`UHD ${operation} cancelled`, options);
  }
}

/** Turns whatever a call threw (a deadline, a socket error, an abort) into a UhdError. */
export function toUhdError(error: unknown, operation: string, timeoutMs: number): UhdError {
  if (error instanceof UhdError) return error;
  if (error instanceof TimeoutError) return new UhdTimeoutError(operation, timeoutMs);
  if (error instanceof UpstreamNetworkError)
    return new UhdNetworkError(operation, error.code, { cause: error });
  if (error instanceof SyntaxError) return new UhdMalformedResponse(operation);
  return new UhdCancelledError(operation, { cause: error });
}
