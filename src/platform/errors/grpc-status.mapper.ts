import { randomUUID } from 'node:crypto';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { DomainError } from './domain-errors.js';

export interface GrpcErrorPayload {
  code: GrpcStatus;
  message: string;
  /** Set for unexpected errors: the same id is in the log line, so support can find it. */
  errorId?: string;
}

const BY_KIND: Record<DomainError['kind'], GrpcStatus> = {
  invalid_argument: GrpcStatus.INVALID_ARGUMENT,
  not_found: GrpcStatus.NOT_FOUND,
  unavailable: GrpcStatus.UNAVAILABLE,
  cancelled: GrpcStatus.CANCELLED,
  unauthenticated: GrpcStatus.UNAUTHENTICATED,
};

export function toGrpcError(error: unknown): GrpcErrorPayload {
  if (error instanceof DomainError) return { code: BY_KIND[error.kind], message: error.message };
  const errorId = randomUUID();
  return { code: GrpcStatus.INTERNAL, message: `internal error (id ${errorId})`, errorId };
}
