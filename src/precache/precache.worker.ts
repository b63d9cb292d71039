import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { Queues } from '../infrastructure/queue/queues.js';
import { PRECACHE_QUEUE, type PrecacheJobData, type PrecacheJobResult } from './precache-job.js';
import { PrecacheJobRunner } from './precache-job.runner.js';

/** Consumes the precache queue (ROLE=worker or all); the runner does the work. */
@Injectable()
export class PrecacheWorker implements OnApplicationBootstrap {
  constructor(
    private readonly queues: Queues,
    private readonly runner: PrecacheJobRunner,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap() {
    const { concurrency, maxJobsPerSecond, lockDurationMs, stalledIntervalMs, maxStalledCount } =
      this.config.precache;
    this.queues.startWorker<PrecacheJobData, PrecacheJobResult>(
      PRECACHE_QUEUE,
      (job) => this.runner.run(job),
      {
        concurrency,
        maxJobsPerSecond,
        lockDurationMs,
        stalledIntervalMs,
        maxStalledCount,
      },
    );
  }
}
