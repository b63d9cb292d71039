import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { Response } from 'express';

/**
 * Terminus reports a failed check as a 503 whose body says which dependency is down; that body
 * is the point of the endpoint, so it is sent as it is rather than reshaped as a problem.
 */
@Catch(HttpException)
export class HealthResponseFilter implements ExceptionFilter {
  catch(error: HttpException, host: ArgumentsHost) {
    host.switchToHttp().getResponse<Response>().status(error.getStatus()).json(error.getResponse());
  }
}
