import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { BroadcastChannel } from 'node:worker_threads';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Piscina } from 'piscina';
import type { AppConfig } from '../../config/app-config.js';
import type { QueryEvent } from '../../infrastructure/database/database.js';
import { sqliteFileFrom } from '../../infrastructure/database/database-url.js';
import { withTimeout } from '../../platform/async/with-timeout.js';
import { DependencyUnavailable, RequestCancelled } from '../../platform/errors/domain-errors.js';
import type { RulesLoadOutcome } from '../../platform/metrics/database.metrics.js';
import type { RulesKind } from '../rules.types.js';
import { CancelFlag } from './cancel-flag.js';
import { loadFailureError } from './load-failure.js';
import type {
  LifecycleMessage,
  RulesLoadReply,
  RulesLoadTask,
  RulesLoadWorkerData,
} from './rules-load.protocol.js';
import { rulesLoadWorkerModule } from './worker-module.js';

export interface RulesLoadSettings {
  readonly database: AppConfig['database'];
  readonly threads: number;
  readonly tasksPerThread: number;
}

/** What the pool reports (DatabaseMetrics in the app). */
export interface RulesLoadObserver {
  queryRan(dialect: string, event: QueryEvent): void;
  loadFinished(kind: RulesKind, outcome: RulesLoadOutcome, seconds: number): void;
  loadsQueued(depth: number): void;
}

/** How long shutdown waits for the threads to close their databases before it stops them anyway. */
const CLOSE_DATABASES_TIMEOUT_MS = 5_000;

/**
 * Runs rules loads on worker threads: each thread has its own database connections, reads a
 * channel's rules with RulesRepository and encodes the response, and hands back the bytes. A
 * 70,000-contract read then costs the main event loop nothing but receiving one buffer.
 */
export class RulesLoadPool implements OnApplicationShutdown {
  private readonly logger = new Logger(RulesLoadPool.name);
  private readonly pool: Piscina<RulesLoadTask, RulesLoadReply>;
  private readonly dialect: string;
  private readonly lifecycle: BroadcastChannel;
  /** Threads that opened a database: shutdown waits for each to close it. */
  private readonly opened = new Set<number>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing?: Promise<void>;

  constructor(
    settings: RulesLoadSettings,
    private readonly observer: RulesLoadObserver,
  ) {
    const { database, threads, tasksPerThread } = settings;
    if (database.dialect === 'sqlite' && sqliteFileFrom(database.url) === ':memory:') {
      throw new Error(
        'DATABASE_URL: an in-memory SQLite database cannot be shared with the rules load threads; use a file (sqlite:<path>)',
      );
    }
    this.dialect = database.dialect;
    const lifecycleChannel = `rules-load:${randomUUID()}`;
    this.lifecycle = new BroadcastChannel(lifecycleChannel);
    this.lifecycle.unref();
    this.lifecycle.onmessage = (event) => {
      const message = event.data as LifecycleMessage;
      if (message.type === 'opened') this.opened.add(message.threadId);
    };
    const workerData: RulesLoadWorkerData = {
      database: { ...database, poolSize: tasksPerThread, seedWhenEmpty: false },
      lifecycleChannel,
    };
    this.pool = new Piscina({
      ...rulesLoadWorkerModule(),
      minThreads: threads,
      maxThreads: threads,
      concurrentTasksPerWorker: tasksPerThread,
      // Piscina parks an idle thread in Atomics.wait, which would also freeze its connection
      // pool's timers and the lifecycle channel; message wake-ups cost nothing next to a load.
      atomics: 'disabled',
      workerData,
    });
    // A thread that dies between loads: piscina starts another; say so rather than crash.
    this.pool.on('error', (error: unknown) =>
      this.logger.error({ msg: 'rules load thread failed', err: error }),
    );
  }

  /** The encoded GetCoverageRulesResponse, or undefined when there is no such channel. */
  loadCoverageRules(channelId: string, signal?: AbortSignal): Promise<Buffer | undefined> {
    return this.load('coverage_rules', channelId, signal);
  }

  /** The encoded GetPopulationMembershipRulesResponse, or undefined when there is no such channel. */
  loadPopulationMembershipRules(channelId: string, signal?: AbortSignal): Promise<Buffer | undefined> {
    return this.load('population_membership_rules', channelId, signal);
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /** Lets the loads in flight finish, has every thread close its database, then stops the threads. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private load(kind: RulesKind, channelId: string, signal?: AbortSignal): Promise<Buffer | undefined> {
    if (signal?.aborted) return Promise.reject(new RequestCancelled());
    if (this.closing) return Promise.reject(new DependencyUnavailable('database'));
    const loading = this.run(kind, channelId, signal);
    this.inFlight.add(loading);
    void loading.then(
      () => this.inFlight.delete(loading),
      () => this.inFlight.delete(loading),
    );
    return loading;
  }

  private async run(kind: RulesKind, channelId: string, signal?: AbortSignal): Promise<Buffer | undefined> {
    const started = performance.now();
    const cancel = new CancelFlag();
    const stopFollowing = cancel.follow(signal);
    let outcome: RulesLoadOutcome = 'error';
    try {
      const answer = this.pool.run({ kind, channelId, cancelFlag: cancel.buffer });
      this.observer.loadsQueued(this.pool.queueSize);
      const reply = await answer;
      for (const query of reply.queries) this.observer.queryRan(this.dialect, query);
      switch (reply.outcome) {
        case 'ok':
          outcome = 'ok';
          return Buffer.from(reply.response);
        case 'not_found':
          outcome = 'not_found';
          return undefined;
        case 'failed': {
          const error = loadFailureError(reply.failure);
          outcome = reply.failure.kind === 'unexpected' ? 'error' : reply.failure.kind;
          throw error;
        }
      }
    } finally {
      stopFollowing();
      this.observer.loadFinished(kind, outcome, (performance.now() - started) / 1000);
      this.observer.loadsQueued(this.pool.queueSize);
    }
  }

  private async shutDown(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    try {
      await this.closeDatabases();
    } finally {
      this.lifecycle.close();
      await this.pool.destroy();
    }
  }

  private async closeDatabases(): Promise<void> {
    // A thread piscina replaced after it died has nothing left to close.
    const live = new Set(this.pool.threads.map((thread) => thread.threadId));
    const waiting = new Set([...this.opened].filter((threadId) => live.has(threadId)));
    if (waiting.size === 0) return;
    const closed = new Promise<void>((resolve) => {
      this.lifecycle.onmessage = (event) => {
        const message = event.data as LifecycleMessage;
        if (message.type !== 'closed') return;
        if (message.error)
          this.logger.warn({
            msg: 'rules load thread closed its database with an error',
            error: message.error,
          });
        waiting.delete(message.threadId);
        if (waiting.size === 0) resolve();
      };
    });
    this.lifecycle.postMessage({ type: 'close' } satisfies LifecycleMessage);
    try {
      await withTimeout(closed, CLOSE_DATABASES_TIMEOUT_MS, 'closing the rules load threads’ databases');
    } catch (error) {
      this.logger.warn({
        msg: 'rules load threads did not all close their databases',
        threads: waiting.size,
        err: error,
      });
    }
  }
}
