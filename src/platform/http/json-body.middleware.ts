import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import { currentRequestId } from '../logging/request-context.js';

/** Every JSON body the service accepts is small; a larger one is refused before it is parsed. */
export const MAX_JSON_BODY = '256kb';
/**
 * Every JSON body the service accepts is two or three levels deep. Deeper ones are refused
 * before validation sees them: class-transformer copies a body recursively, and 256 KiB of
 * `[` overflows the call stack (a 500 from input alone).
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Express's JSON parser, with its failures answered here in the service's problem format
 * (400 malformed, 413 too large, 415 not JSON) rather than by Express's HTML error page.
 */
export function jsonBodyMiddleware() {
  const parse = express.json({ limit: MAX_JSON_BODY, strict: true });
  return (req: Request, res: Response, next: NextFunction) => {
    parse(req, res, (error?: unknown) => {
      if (!error && !deeperThan(req.body, MAX_JSON_DEPTH)) return next();
      const { status, type } = (error ?? { status: 400, type: 'entity.too.deep' }) as {
        status?: number;
        type?: string;
      };
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
    case 'entity.too.deep':
      return `body: nested deeper than ${MAX_JSON_DEPTH} levels`;
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return 'body: unsupported encoding';
    default:
      return 'body: could not be read';
  }
}

/** Whether a parsed JSON value nests arrays or objects deeper than `max`; walks without recursion. */
export function deeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
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
