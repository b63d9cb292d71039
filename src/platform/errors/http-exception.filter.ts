import { randomUUID } from 'node:crypto';
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { currentRequestId } from '../logging/request-context.js';
import { asDependencyUnavailable, warnUnmapped } from './dependency-errors.js';
import { DomainError } from './domain-errors.js';

const STATUS_BY_KIND: Record<DomainError['kind'], number> = {
  invalid_argument: HttpStatus.BAD_REQUEST,
  not_found: HttpStatus.NOT_FOUND,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
  cancelled: 499,
  unauthenticated: HttpStatus.UNAUTHORIZED,
};

interface Problem {
  statusCode: number;
  error: string;
  message: string;
  requestId?: string;
  errorId?: string;
}

/**
 * Every HTTP error leaves as `{statusCode, error, message, requestId}`: the message names the
 * problem (the bad field, the missing token) and nothing else leaks, stack traces least of all.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(error: unknown, host: ArgumentsHost) {
    const response = host.switchToHttp().getResponse<Response>();
    const problem = this.toProblem(error);
    if (!response.headersSent) response.status(problem.statusCode).json(problem);
  }

  private toProblem(caught: unknown): Problem {
    const requestId = currentRequestId();
    const dependency = asDependencyUnavailable(caught);
    if (dependency) warnUnmapped(this.logger, dependency);
    const error = dependency ?? caught;
    if (error instanceof DomainError) {
      const statusCode = STATUS_BY_KIND[error.kind];
      return { statusCode, error: error.name, message: error.message, requestId };
    }
    if (error instanceof HttpException) {
      const statusCode = error.getStatus();
      const body = error.getResponse();
      const message =
        typeof body === 'object' && body !== null && 'message' in body
          ? [body.message].flat().join('; ')
          : error.message;
      return { statusCode, error: HttpStatus[statusCode] ?? 'Error', message, requestId };
    }
    const errorId = randomUUID();
    this.logger.error({ msg: 'unexpected error in HTTP handler', errorId, err: error });
    return {
      statusCode: 500,
      error: 'INTERNAL_SERVER_ERROR',
      message: `internal error (id ${errorId})`,
      requestId,
      errorId,
    };
  }
}
