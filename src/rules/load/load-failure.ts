import { isDatabaseUnavailable } from '../../infrastructure/database/database-errors.js';
import { DependencyUnavailable, RequestCancelled } from '../../platform/errors/domain-errors.js';

/** An error as plain data: what survives the structured clone between threads. */
export interface ErrorData {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

/**
 * Why a load failed, as plain data: a class does not survive the trip between threads, so the
 * worker describes the error and the main thread rebuilds the domain error from the description.
 */
export type LoadFailure =
  | { kind: 'cancelled' }
  | { kind: 'unavailable'; dependency: string; cause?: ErrorData }
  | { kind: 'unexpected'; error: ErrorData };

/** Worker side. A database that cannot answer is DependencyUnavailable, as translateDatabaseError says. */
export function describeLoadFailure(error: unknown): LoadFailure {
  if (error instanceof RequestCancelled) return { kind: 'cancelled' };
  if (error instanceof DependencyUnavailable)
    return { kind: 'unavailable', dependency: error.dependency, cause: errorData(error.cause) };
  if (isDatabaseUnavailable(error))
    return { kind: 'unavailable', dependency: 'database', cause: errorData(error) };
  return { kind: 'unexpected', error: errorData(error) ?? { name: 'Error', message: String(error) } };
}

/** Main-thread side: the domain error, or a plain Error (an unknown error: INTERNAL) carrying the worker's stack. */
export function loadFailureError(failure: LoadFailure): Error {
  switch (failure.kind) {
    case 'cancelled':
      return new RequestCancelled();
    case 'unavailable':
      return new DependencyUnavailable(failure.dependency, {
        cause: failure.cause && rebuiltError(failure.cause),
      });
    case 'unexpected':
      return rebuiltError(failure.error);
  }
}

function errorData(error: unknown): ErrorData | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code } = error as { code?: unknown };
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    ...(typeof code === 'string' ? { code } : {}),
  };
}

function rebuiltError(data: ErrorData): Error {
  const error = Object.assign(new Error(data.message), data.code === undefined ? {} : { code: data.code });
  error.name = data.name;
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}
