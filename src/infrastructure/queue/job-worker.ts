import { Logger } from '@nestjs/common';
import { type Job, UnrecoverableError, type Worker } from 'bullmq';
import { logConnectionStateChanges } from './connection-state.js';

/** One job as its handler sees it. */
export interface JobContext<T> {
  readonly id: string;
  readonly data: T;
  /** 1 for the first attempt; a stalled job picked up again keeps its attempt number. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Aborted when the worker is told to cancel its jobs. */
  readonly signal: AbortSignal;
  /** Stores new data on the job, for the next attempt (or the next worker after a crash) to see. */
  update(data: T): Promise<void>;
}

export type JobHandler<T, R> = (job: JobContext<T>) => Promise<R>;

/**
 * Thrown by a handler to end its job as failed now, whatever attempts remain. Any other error
 * ends the attempt and BullMQ retries with backoff while attempts remain.
 */
export class JobFailedPermanently extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobFailedPermanently';
  }
}

const NEVER = new AbortController().signal;

/** Adapts a handler to BullMQ's processor signature: the handler never sees a BullMQ type. */
export function toProcessor<T, R>(handler: JobHandler<T, R>) {
  return async (job: Job<T, R>, _token?: string, signal?: AbortSignal): Promise<R> => {
    const context: JobContext<T> = {
      id: job.id!,
      data: job.data,
      attempt: job.attemptsMade + 1,
      maxAttempts: job.opts.attempts ?? 1,
      signal: signal ?? NEVER,
      update: (data) => job.updateData(data),
    };
    try {
      return await handler(context);
    } catch (error) {
      if (error instanceof JobFailedPermanently) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}

/**
 * A running BullMQ worker; its errors and stalled jobs are logged, never thrown. Its Redis
 * connection is logged when it goes down and when it is back, not at every reconnect attempt.
 */
export class JobWorker {
  private readonly logger: Logger;

  constructor(
    readonly queueName: string,
    private readonly worker: Worker,
  ) {
    this.logger = new Logger(`JobWorker:${queueName}`);
    logConnectionStateChanges(
      worker,
      this.logger,
      {
        down: 'queue worker lost its Redis connection',
        back: 'queue worker reconnected to Redis',
        otherError: 'queue worker error',
      },
      { queue: queueName },
    );
    worker.on('stalled', (jobId) =>
      this.logger.warn({ msg: 'stalled job moved back to wait', queue: queueName, jobId }),
    );
    worker.on('failed', (job, error) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1))
        this.logger.warn({
          msg: 'job failed for good',
          queue: queueName,
          jobId: job.id,
          error: error.message,
        });
    });
  }

  get running(): boolean {
    return this.worker.isRunning();
  }

  /** Stops taking jobs and waits for the active ones to finish. */
  close(): Promise<void> {
    return this.worker.close();
  }
}
