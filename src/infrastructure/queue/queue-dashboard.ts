import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { currentRequestId } from '../../platform/logging/request-context.js';
import type { Queues } from './queues.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * bull-board for every queue of the process, as an Express router to mount at
 * QUEUE_DASHBOARD_PATH behind the admin token. Job data holds user uuids only, never PII.
 */
export function queueDashboardRouter(queues: Queues) {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: queues.bullQueues().map((queue) => new BullMQAdapter(queue, { readOnlyMode: false })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Precache queues' } },
  });
  return express.Router().use(refuseControlCharacters, serverAdapter.getRouter());
}

/** A percent-encoded control character (`%00`–`%1F`, `%7F`); Node refuses raw ones in a request line. */
const CONTROL_CHARACTER = /%(?:[01][0-9a-f]|7f)/i;

/**
 * bull-board joins its validation messages to their options with a NUL character, so a NUL in
 * a query value (`?status=%00`) breaks its own error reporting into a 500. No dashboard URL
 * needs a control character: such a request is refused with 400 before bull-board sees it.
 */
export function refuseControlCharacters(req: Request, res: Response, next: NextFunction) {
  if (!CONTROL_CHARACTER.test(req.originalUrl)) return next();
  res.status(400).json({
    statusCode: 400,
    error: 'BAD_REQUEST',
    message: 'url: control characters are not accepted',
    requestId: currentRequestId(),
  });
}
