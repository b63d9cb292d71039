import type { NextFunction, Request, Response } from 'express';
import { Unauthenticated } from '../errors/domain-errors.js';
import { currentRequestId } from '../logging/request-context.js';
import { checkBearerToken } from './bearer-token.guard.js';

/** `checkBearerToken` for a plain Express router: 401 in the service's problem format. */
export function requireBearerToken(expected: string | undefined) {
  return (req: Request, res: Response, next: NextFunction) => {
    try {
      checkBearerToken(req.headers.authorization, expected);
    } catch (error) {
      if (!(error instanceof Unauthenticated)) throw error;
      res.status(401).json({
        statusCode: 401,
        error: error.name,
        message: error.message,
        requestId: currentRequestId(),
      });
      return;
    }
    next();
  };
}
