import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { requestIdFrom, runWithRequestContext } from '../logging/request-context.js';
import type { TransportMetrics } from '../metrics/transport.metrics.js';

const REQUEST_ID_HEADER = 'x-request-id';
const QUIET_ROUTES = new Set(['/metrics', '/health/live', '/health/ready']);

/**
 * The first thing every HTTP request meets: a request id (the caller's `x-request-id` when it
 * is a plain token, else new) carried through the handler's logs and echoed in the response,
 * then one access-log line and the latency histogram when the response finishes.
 */
export function httpRequestMiddleware(metrics: TransportMetrics) {
  const logger = new Logger('HttpServer');
  return (req: Request, res: Response, next: NextFunction) => {
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    const started = process.hrtime.bigint();
    res.setHeader(REQUEST_ID_HEADER, requestId);
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The matched route template, never the raw path: it may hold ids and it must stay low-cardinality.
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      metrics.httpRequestHandled(req.method, route, res.statusCode, seconds);
      const line = {
        msg: 'http request',
        requestId,
        method: req.method,
        route,
        statusCode: res.statusCode,
        durationMs: Math.round(seconds * 1e4) / 10,
      };
      if (res.statusCode >= 500) logger.warn(line);
      else if (QUIET_ROUTES.has(route)) logger.debug(line);
      else logger.log(line);
    });
    runWithRequestContext({ requestId }, next);
  };
}
