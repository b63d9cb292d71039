import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { EnqueueResult, JobCounts, JobQueue } from '../infrastructure/queue/job-queue.js';
import { Queues } from '../infrastructure/queue/queues.js';
import { DependencyStateLog } from '../platform/health/dependency-state-log.js';
import { PrecacheMetrics } from '../platform/metrics/precache.metrics.js';
import { PRECACHE_JOB_NAME, PRECACHE_QUEUE, type PrecacheJobData } from './precache-job.js';

/**
 * The producer side of the `uhd-precache` queue: one job per user per PRECACHE_DEDUP_SECONDS
 * (BullMQ deduplication, so ten sign-ins in five minutes make one job), retried with
 * exponential backoff, kept for a bounded count and age. Also samples the queue's depth into
 * `precache_queue_jobs`.
 */
@Injectable()
export class PrecacheQueue implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PrecacheQueue.name);
  private readonly queue: JobQueue<PrecacheJobData>;
  private sampler?: NodeJS.Timeout;
  /** A sample waits while the queue has never connected (BullMQ holds it until then): one at a time. */
  private sampleInFlight = false;
  private readonly sampling = new DependencyStateLog(
    this.logger,
    { down: 'queue depth sampling failed', back: 'queue depth sampling works again' },
    { queue: PRECACHE_QUEUE },
  );

  constructor(
    queues: Queues,
    private readonly config: AppConfig,
    private readonly metrics: PrecacheMetrics,
  ) {
    const { attempts, backoffMs, keepCompleted, keepFailed } = config.precache;
    this.queue = queues.queue<PrecacheJobData>(PRECACHE_QUEUE, {
      attempts,
      backoffMs,
      keepCompleted,
      keepFailed,
    });
  }

  enqueue(userUuid: string): Promise<EnqueueResult> {
    return this.queue.add(
      PRECACHE_JOB_NAME,
      { userUuid, requestedAt: new Date().toISOString() },
      {
        jobId: randomUUID(),
        deduplicationId: userUuid,
        deduplicationTtlMs: this.config.precache.dedupSeconds * 1000,
      },
    );
  }

  counts(): Promise<JobCounts> {
    return this.queue.counts();
  }

  state(jobId: string): Promise<string> {
    return this.queue.state(jobId);
  }

  onApplicationBootstrap() {
    const every = this.config.precache.queueSampleIntervalMs;
    if (every <= 0) return;
    this.sampler = setInterval(() => void this.sample(), every);
    this.sampler.unref();
    void this.sample();
  }

  onModuleDestroy() {
    clearInterval(this.sampler);
  }

  private async sample() {
    if (this.sampleInFlight) return;
    this.sampleInFlight = true;
    try {
      this.metrics.queueSampled(await this.queue.counts());
      this.sampling.succeeded();
    } catch (error) {
      this.sampling.failed(error);
    } finally {
      this.sampleInFlight = false;
    }
  }
}
