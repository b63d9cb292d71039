import { status } from '@grpc/grpc-js';
import { translateDatabaseError } from '../../infrastructure/database/database-errors.js';
import { DependencyUnavailable, DomainError, RequestCancelled } from '../../platform/errors/domain-errors.js';
import { toGrpcError } from '../../platform/errors/grpc-status.mapper.js';
import { describeLoadFailure, loadFailureError } from './load-failure.js';

/** What the main thread gets for an error a worker thread caught: described, cloned across, rebuilt. */
function acrossThreads(error: unknown): Error {
  return loadFailureError(structuredClone(describeLoadFailure(error)));
}

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
}

function translated(error: unknown): unknown {
  try {
    translateDatabaseError(error);
  } catch (thrown) {
    return thrown;
  }
}

describe('load failures across threads', () => {
  it('rebuilds RequestCancelled', () => {
    const rebuilt = acrossThreads(new RequestCancelled());
    expect(rebuilt).toBeInstanceOf(RequestCancelled);
    expect(toGrpcError(rebuilt).code).toBe(status.CANCELLED);
  });

  it('rebuilds the DependencyUnavailable translateDatabaseError gives, with its cause', () => {
    const rebuilt = acrossThreads(translated(refused()));

    expect(rebuilt).toBeInstanceOf(DependencyUnavailable);
    expect((rebuilt as DependencyUnavailable).dependency).toBe('database');
    expect(rebuilt.cause).toMatchObject({
      message: 'connect ECONNREFUSED 127.0.0.1:3306',
      code: 'ECONNREFUSED',
    });
    expect(toGrpcError(rebuilt).code).toBe(status.UNAVAILABLE);
  });

  it('says DependencyUnavailable for a database that cannot answer even when nothing translated it (opening the database)', () => {
    const sqliteCannotOpen = Object.assign(new Error('unable to open database file'), {
      code: 'SQLITE_CANTOPEN',
    });

    const rebuilt = acrossThreads(sqliteCannotOpen);

    expect(rebuilt).toBeInstanceOf(DependencyUnavailable);
    expect((rebuilt as DependencyUnavailable).dependency).toBe('database');
  });

  it('keeps anything else an unknown error (INTERNAL), with the name, message, code and stack from the thread', () => {
    const bug = Object.assign(new TypeError("Cannot read properties of undefined (reading 'id')"), {
      code: 'ERR_SOMETHING',
    });

    const rebuilt = acrossThreads(bug);

    expect(rebuilt).not.toBeInstanceOf(DomainError);
    expect(rebuilt).toMatchObject({ name: 'TypeError', message: bug.message, code: 'ERR_SOMETHING' });
    expect(rebuilt.stack).toBe(bug.stack);
    expect(toGrpcError(rebuilt).code).toBe(status.INTERNAL);
  });

  it('turns a thrown non-error into an unknown error that says what was thrown', () => {
    const rebuilt = acrossThreads('just a string');
    expect(rebuilt).not.toBeInstanceOf(DomainError);
    expect(rebuilt.message).toBe('just a string');
  });
});
