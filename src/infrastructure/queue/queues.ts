import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type ConnectionOptions, Queue, Worker } from 'bullmq';
import { Cluster } from 'ioredis';
import { AppConfig } from '../../config/app-config.js';
import { withTimeout } from '../../platform/async/with-timeout.js';
import { type BullmqConnectionOverrides, bullmqConnection } from '../redis/redis-client.factory.js';
import { logConnectionStateChanges } from './connection-state.js';
import { JobQueue } from './job-queue.js';
import { type JobHandler, JobWorker, toProcessor } from './job-worker.js';
import { queueKeyPrefix } from './queue-keys.js';
import { limiterFor } from './rate-limit.js';

export interface QueueJobDefaults {
  attempts: number;
  /** Base of the exponential backoff between attempts. */
  backoffMs: number;
  keepCompleted: { count: number; ageSeconds: number };
  keepFailed: { count: number; ageSeconds: number };
}

export interface WorkerSettings {
  concurrency: number;
  /** Global bound on job starts, across every worker of the queue. */
  maxJobsPerSecond: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
}

/**
 * A job's upstream requests leave a little after it starts (user lookup, flag check), by a time
 * that varies with load; limiting starts over 1.1 s spans keeps any one second of requests
 * within the limit even when they bunch up by that much.
 */
const RATE_LIMIT_SPAN_MS = 1_100;

/** A producer's enqueue fails within this bound while Redis is unreachable, rather than queueing in memory. */
const PRODUCER_COMMAND_TIMEOUT_MS = 2_000;

/**
 * Owns every BullMQ queue and worker of the process: builds them with their own connections
 * (from REDIS_URL or REDIS_CLUSTER_NODES, never a client shared with the rest of the service)
 * under a hash-tagged prefix, reports their readiness, and closes them at shutdown: workers
 * first, while Redis and the upstream clients are still open so active jobs can finish, then
 * the queues, then the cluster clients BullMQ was lent.
 */
@Injectable()
export class Queues implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(Queues.name);
  private readonly queues = new Map<string, { bull: Queue; facade: JobQueue<object> }>();
  private readonly workers: JobWorker[] = [];
  /** Cluster clients handed to BullMQ, which never closes a client it is given. */
  private readonly lent: Cluster[] = [];
  readonly prefix: string;

  constructor(private readonly config: AppConfig) {
    this.prefix = queueKeyPrefix(config.redis.keyPrefix);
  }

  /** The producer of queue `name` (one per process, created on first use). */
  queue<T extends object>(name: string, defaults: QueueJobDefaults): JobQueue<T> {
    const existing = this.queues.get(name);
    if (existing) return existing.facade as JobQueue<T>;
    const bull = new Queue(name, {
      prefix: this.prefix,
      connection: this.connection(`queue:${name}`, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS,
      }),
      defaultJobOptions: {
        attempts: defaults.attempts,
        backoff: { type: 'exponential', delay: defaults.backoffMs },
        removeOnComplete: { count: defaults.keepCompleted.count, age: defaults.keepCompleted.ageSeconds },
        removeOnFail: { count: defaults.keepFailed.count, age: defaults.keepFailed.ageSeconds },
      },
    });
    logConnectionStateChanges(
      bull,
      this.logger,
      {
        down: 'queue lost its Redis connection',
        back: 'queue reconnected to Redis',
        otherError: 'queue error',
      },
      { queue: name },
    );
    const facade = new JobQueue<T>(name, bull);
    this.queues.set(name, { bull, facade: facade as JobQueue<object> });
    return facade;
  }

  /** Starts consuming queue `name` with `handler`. */
  startWorker<T, R>(name: string, handler: JobHandler<T, R>, settings: WorkerSettings): JobWorker {
    const limiter = limiterFor(settings.maxJobsPerSecond, RATE_LIMIT_SPAN_MS);
    const bull = new Worker<T, R>(name, toProcessor(handler), {
      prefix: this.prefix,
      connection: this.connection(`worker:${name}`),
      concurrency: settings.concurrency,
      limiter,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: settings.maxStalledCount,
      // A rate-limited worker waits at most a window before looking again.
      maximumRateLimitDelay: Math.max(limiter.duration, 1_000),
    });
    const worker = new JobWorker(name, bull);
    this.workers.push(worker);
    this.logger.log({ msg: 'queue worker started', queue: name, concurrency: settings.concurrency, limiter });
    return worker;
  }

  /** Readiness: every queue answers through its own connection, every worker is running. */
  async check(timeoutMs: number): Promise<Record<string, unknown>> {
    const queues: Record<string, unknown> = {};
    for (const [name, { facade }] of this.queues) queues[name] = await facade.ping(timeoutMs);
    const stopped = this.workers.filter((w) => !w.running).map((w) => w.queueName);
    if (stopped.length > 0) throw new Error(`queue workers not running: ${stopped.join(', ')}`);
    return { queues, workers: this.workers.length };
  }

  /** The BullMQ queues, for the dashboard adapter (the only other place that sees BullMQ). */
  bullQueues(): Queue[] {
    return [...this.queues.values()].map((q) => q.bull);
  }

  async beforeApplicationShutdown() {
    const budget = Math.max(1_000, this.config.shutdownTimeoutMs - 2_000);
    await Promise.all(
      this.workers.map(async (worker) => {
        try {
          await withTimeout(worker.close(), budget, `closing worker ${worker.queueName}`);
        } catch (error) {
          // Active jobs keep their locks until they expire; another worker then recovers them as stalled.
          this.logger.warn({
            msg: 'worker did not drain in time',
            queue: worker.queueName,
            error: String(error),
          });
        }
      }),
    );
  }

  private connection(name: string, overrides: BullmqConnectionOverrides = {}): ConnectionOptions {
    const connection = bullmqConnection(
      this.config.redis,
      `${this.config.redis.keyPrefix}${name}`,
      overrides,
    );
    if (connection instanceof Cluster) {
      // BullMQ reports the client's errors as queue and worker errors while it holds the client;
      // this keeps one that comes after BullMQ let go (at shutdown) from being unhandled.
      connection.on('error', () => undefined);
      this.lent.push(connection);
    }
    // ioredis 6 types `retryStrategy` as nullable where BullMQ's copy of the type does not; the
    // options themselves are plain ioredis options, which BullMQ passes to ioredis unchanged.
    return connection as ConnectionOptions;
  }

  async onApplicationShutdown() {
    await Promise.all([...this.queues.values()].map(({ bull }) => bull.close().catch(() => undefined)));
    this.queues.clear();
    await Promise.all(
      this.lent.splice(0).map(async (client) => {
        try {
          await withTimeout(client.quit(), 1_000, 'queue connection quit');
        } catch {
          client.disconnect();
        }
      }),
    );
  }
}
