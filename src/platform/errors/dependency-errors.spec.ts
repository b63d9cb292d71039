import { status } from '@grpc/grpc-js';
import type { ArgumentsHost } from '@nestjs/common';
import { firstValueFrom, type Observable } from 'rxjs';
import { asDependencyUnavailable } from './dependency-errors.js';
import { DependencyUnavailable, InvalidArgument } from './domain-errors.js';
import { GrpcExceptionFilter } from './grpc-exception.filter.js';
import { HttpExceptionFilter } from './http-exception.filter.js';

const networkError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:6379`), { code });
const named = (name: string) =>
  Object.assign(new Error('Reached the max retries per request limit'), { name });

describe(asDependencyUnavailable.name, () => {
  it.each([
    ['a closed connection', new Error('Connection is closed.')],
    ['a command timeout', new Error('Command timed out')],
    [
      'a fail-fast connection while reconnecting',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    ],
    ['a cluster that is not ready', new Error("Cluster isn't ready and enableOfflineQueue options is false")],
    ['retries exhausted', named('MaxRetriesPerRequestError')],
  ])('maps %s to redis unavailable', (_, error) => {
    const mapped = asDependencyUnavailable(error);
    expect(mapped).toBeInstanceOf(DependencyUnavailable);
    expect(mapped?.dependency).toBe('redis');
    expect(mapped?.cause).toBe(error);
  });

  it('maps a refused or reset socket to an unnamed dependency', () => {
    expect(asDependencyUnavailable(networkError('ECONNREFUSED'))?.dependency).toBe('a dependency');
    expect(asDependencyUnavailable(networkError('ECONNRESET'))?.dependency).toBe('a dependency');
  });

  it.each([
    [
      'a Redis error reply (a bug, not an outage)',
      Object.assign(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), {
        name: 'ReplyError',
      }),
    ],
    ['a programming error', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a domain error, already mapped', new InvalidArgument('id', 'is required')],
    ['something not an Error', 'Connection is closed.'],
  ])('leaves %s alone', (_, error) => {
    expect(asDependencyUnavailable(error)).toBeUndefined();
  });
});

describe('the error filters, for a dependency failure a call site did not map', () => {
  it('answers gRPC with UNAVAILABLE naming the dependency, not INTERNAL', async () => {
    const filter = new GrpcExceptionFilter();
    const warn = jest
      .spyOn((filter as unknown as { logger: { warn: () => void } }).logger, 'warn')
      .mockImplementation();
    const out = filter.catch(new Error('Connection is closed.'), {} as ArgumentsHost) as Observable<never>;
    await expect(firstValueFrom(out)).rejects.toEqual(
      expect.objectContaining({ code: status.UNAVAILABLE, details: 'redis is unavailable' }),
    );
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ dependency: 'redis', error: 'Connection is closed.' }),
    );
  });

  /** The HTTP filter with its logger silenced, and the response it writes to. */
  const httpFilter = () => {
    const filter = new HttpExceptionFilter();
    const logger = (filter as unknown as { logger: { warn: () => void; error: () => void } }).logger;
    jest.spyOn(logger, 'warn').mockImplementation();
    jest.spyOn(logger, 'error').mockImplementation();
    const response = { headersSent: false, status: jest.fn(), json: jest.fn() };
    response.status.mockReturnValue(response);
    const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
    return { catch: (error: unknown) => filter.catch(error, host), response };
  };

  it('answers HTTP with 503 naming the dependency, not 500', () => {
    const { catch: handle, response } = httpFilter();

    handle(new Error('Command timed out'));

    expect(response.status).toHaveBeenCalledWith(503);
    expect(response.json).toHaveBeenCalledWith(
      expect.objectContaining({
        statusCode: 503,
        error: 'DependencyUnavailable',
        message: 'redis is unavailable',
      }),
    );
  });

  it('still answers an unexpected error as internal', () => {
    const { catch: handle, response } = httpFilter();

    handle(new TypeError('boom'));

    expect(response.status).toHaveBeenCalledWith(500);
  });
});
