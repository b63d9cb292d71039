/**
 * Transport-neutral failures that services throw. One mapper per transport turns them into
 * gRPC status codes (grpc-status.mapper.ts) or HTTP problems (http-exception.filter.ts).
 */
export abstract class DomainError extends Error {
  abstract readonly kind: 'invalid_argument' | 'not_found' | 'unavailable' | 'cancelled' | 'unauthenticated';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Field names a caller made up (unknown keys) are quoted up to this length in messages. */
const FIELD_NAME_SHOWN = 64;

/** The caller sent something the service cannot act on; `field` names what was wrong. */
export class InvalidArgument extends DomainError {
  readonly kind = 'invalid_argument';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    const shown = field.length > FIELD_NAME_SHOWN ? `${field.slice(0, FIELD_NAME_SHOWN)}…` : field;
    super(`${shown}: ${reason}`);
  }
}

export class NotFound extends DomainError {
  readonly kind = 'not_found';
}

export class ChannelNotFound extends NotFound {
  constructor(readonly enrollmentChannelId: string) {
    super(`enrollment channel ${enrollmentChannelId} not found`);
  }
}

/** A dependency the answer needs (database, upstream) cannot be reached right now. */
export class DependencyUnavailable extends DomainError {
  readonly kind = 'unavailable';
  constructor(
    readonly dependency: string,
    options?: ErrorOptions,
  ) {
    super(`${dependency} is unavailable`, options);
  }
}

/** The caller went away or its deadline passed; the work was abandoned. */
export class RequestCancelled extends DomainError {
  readonly kind = 'cancelled';
  constructor(reason = 'request cancelled by the caller') {
    super(reason);
  }
}

export class Unauthenticated extends DomainError {
  readonly kind = 'unauthenticated';
}
