import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import { currentRequestId } from '../logging/request-context.js';

/** Every JSON body the service accepts is small; a larger one is refused before it is parsed. */
export const MAX_JSON_BODY = '256kb';

/**
 * Express's JSON parser, with its failures answered here in the service's problem format
 * (400 malformed, 413 too large, 415 not JSON) rather than by Express's HTML error page.
 */
export function jsonBodyMiddleware() {
  const parse = express.json({ limit: MAX_JSON_BODY, strict: true });
  return (req: Request, res: Response, next: NextFunction) => {
    parse(req, res, (error?: unknown) => {
      if (!error) return next();
      const { status, type } = error as { status?: number; type?: string };
      const statusCode = typeof status === 'number' && status >= 400 && status < 500 ? status : 400;
      res.status(statusCode).json({
        statusCode,
        error: type ?? 'invalid.body',
        message: describeBodyError(type),
        requestId: currentRequestId(),
      });
    });
  };
}

function describeBodyError(type: string | undefined): string {
  switch (type) {
    case 'entity.parse.failed':
      return 'body: malformed JSON';
    case 'entity.too.large':
      return `body: larger than ${MAX_JSON_BODY}`;
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return 'body: unsupported encoding';
    default:
      return 'body: could not be read';
  }
}

/** Requests that carry a body must say it is JSON; anything else is 415. */
export function requireJsonContentType(req: Request, res: Response, next: NextFunction) {
  const hasBody =
    Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) {
    res.status(415).json({
      statusCode: 415,
      error: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'content-type: must be application/json',
      requestId: currentRequestId(),
    });
    return;
  }
  next();
}
