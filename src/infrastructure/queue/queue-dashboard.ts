import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
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
  return serverAdapter.getRouter();
}
