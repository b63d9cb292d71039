import type { Queue } from 'bullmq';
import { withTimeout } from '../../platform/async/with-timeout.js';

export interface EnqueueOptions {
  /** Unique per enqueue; a deduplicated add answers with the id of the job already there. */
  jobId: string;
  /** Adds within `deduplicationTtlMs` of the first one with the same id make no new job. */
  deduplicationId?: string;
  deduplicationTtlMs?: number;
}

export interface EnqueueResult {
  jobId: string;
  deduplicated: boolean;
}

export type JobCounts = Record<'waiting' | 'active' | 'delayed' | 'completed' | 'failed', number>;

/** The producer side of one BullMQ queue, as the rest of the service sees it. */
export class JobQueue<T extends object> {
  constructor(
    readonly name: string,
    private readonly queue: Queue,
  ) {}

  async add(jobName: string, data: T, options: EnqueueOptions): Promise<EnqueueResult> {
    const job = await this.queue.add(jobName, data, {
      jobId: options.jobId,
      ...(options.deduplicationId
        ? { deduplication: { id: options.deduplicationId, ttl: options.deduplicationTtlMs } }
        : {}),
    });
    const jobId = job.id ?? options.jobId;
    return { jobId, deduplicated: jobId !== options.jobId };
  }

  async counts(): Promise<JobCounts> {
    const counts = await this.queue.getJobCounts(
      'waiting',
      'prioritized',
      'active',
      'delayed',
      'completed',
      'failed',
    );
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
    };
  }

  /** Answers through the queue's own connection within `timeoutMs`, with the jobs waiting. */
  async ping(timeoutMs: number): Promise<{ waiting: number }> {
    const counts = await withTimeout(this.queue.getJobCounts('waiting'), timeoutMs, `queue ${this.name}`);
    return { waiting: counts.waiting ?? 0 };
  }

  /** Where a job is now, for tests and operators: `completed`, `failed`, `waiting`, … or `unknown`. */
  async state(jobId: string): Promise<string> {
    return this.queue.getJobState(jobId);
  }

  /** What a finished job returned, or undefined while it is not finished (or was removed). */
  async result(jobId: string): Promise<unknown> {
    return (await this.queue.getJob(jobId))?.returnvalue ?? undefined;
  }
}
