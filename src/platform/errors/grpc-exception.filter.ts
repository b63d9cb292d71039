import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import { throwError } from 'rxjs';
import { asDependencyUnavailable, warnUnmapped } from './dependency-errors.js';
import { toGrpcError } from './grpc-status.mapper.js';

/** The only place a gRPC handler's error becomes a status; unknown errors are logged with an id. */
@Catch()
export class GrpcExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('GrpcExceptionFilter');

  catch(error: unknown, _host: ArgumentsHost) {
    const dependency = asDependencyUnavailable(error);
    if (dependency) warnUnmapped(this.logger, dependency);
    const mapped = toGrpcError(dependency ?? error);
    if (mapped.errorId) {
      this.logger.error({ msg: 'unexpected error in gRPC handler', errorId: mapped.errorId, err: error });
    }
    return throwError(() => ({ code: mapped.code, details: mapped.message, message: mapped.message }));
  }
}
