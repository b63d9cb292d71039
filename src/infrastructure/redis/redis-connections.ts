import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { withTimeout } from '../../platform/async/with-timeout.js';
import { DependencyStateLog } from '../../platform/health/dependency-state-log.js';
import { createRedisClient, type RedisClient, type RedisClientOptions } from './redis-client.factory.js';

const PATIENT_COMMAND_TIMEOUT_MS = 1_000;

/**
 * The longest startup waits for the shared connections' first attempt. A Redis that answers
 * connects in milliseconds; one that swallows packets, or accepts connections and never
 * answers, would hold startup for the whole REDIS_CONNECT_TIMEOUT_MS (or the handshake's
 * command timeout), though the service serves without Redis anyway.
 */
const STARTUP_CONNECT_WAIT_MS = 500;

/**
 * Owns the service's Redis connections: opens them on first use, logs their state changes,
 * and closes every one of them at shutdown.
 */
@Injectable()
export class RedisConnections implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnections.name);
  private readonly clients = new Map<string, RedisClient>();

  constructor(private readonly config: AppConfig) {}

  /** The shared fail-fast connection for ordinary commands. */
  get commands(): RedisClient {
    return this.open({ name: 'commands', failFast: true });
  }

  /**
   * Fail-fast like `commands`, but with a second to answer: for callers that can wait that long
   * and should not fail because a busy Redis missed the cache's 100 ms (sign-in's flag check,
   * the queue worker's bookkeeping and upstream pacing).
   */
  get patient(): RedisClient {
    return this.open({ name: 'patient', failFast: true, commandTimeoutMs: PATIENT_COMMAND_TIMEOUT_MS });
  }

  /** A named connection of its own (subscribers and blocking reads must not share one). */
  dedicated(name: string, failFast = false, commandTimeoutMs?: number): RedisClient {
    return this.open({ name, failFast, commandTimeoutMs });
  }

  /**
   * A connection for SUBSCRIBE, whose owner subscribes again on every `ready` (see
   * RedisClientOptions.subscriber); it can run nothing else once subscribed.
   */
  subscriber(name: string): RedisClient {
    return this.open({ name, failFast: false, subscriber: true });
  }

  /** Key prefix that keeps this service's keys apart from other tenants of the same Redis. */
  get keyPrefix(): string {
    return this.config.redis.keyPrefix;
  }

  /**
   * Gives the shared connections their first attempt before the service takes traffic, so the
   * first calls do not fail on a connection still being opened. Waits for that attempt only,
   * and not long: a Redis that refuses or does not answer is logged (once, by the connection)
   * and startup goes on degraded while the client keeps reconnecting.
   */
  async onModuleInit() {
    const waitMs = Math.min(this.config.redis.connectTimeoutMs, STARTUP_CONNECT_WAIT_MS);
    await Promise.all(
      (['commands', 'patient'] as const).map((name) =>
        firstAttempt(this[name], waitMs).catch(() => undefined),
      ),
    );
  }

  async ping(timeoutMs: number): Promise<void> {
    await withTimeout(this.commands.ping(), timeoutMs, 'redis ping');
  }

  async onApplicationShutdown() {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(
      clients.map(async (client) => {
        try {
          await withTimeout(client.quit(), 1_000, 'redis quit');
        } catch {
          client.disconnect();
        }
      }),
    );
  }

  private open(options: RedisClientOptions): RedisClient {
    const existing = this.clients.get(options.name);
    if (existing) return existing;
    const client = createRedisClient(this.config.redis, {
      ...options,
      name: `${this.config.redis.keyPrefix}${options.name}`,
    });
    const state = new DependencyStateLog(
      this.logger,
      { down: 'redis connection error', back: 'redis connection ready again' },
      { connection: options.name },
    );
    client.on('ready', () => state.succeeded());
    client.on('error', (error: Error) => state.failed(error));
    this.clients.set(options.name, client);
    return client;
  }
}

/**
 * Settles when the client's connection attempt in progress is over: ready, failed or ended.
 * Not on a bare `close`: a Cluster client closes once while its ready check waits for its nodes.
 */
function firstAttempt(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  const outcomes = ['ready', 'error', 'end'] as const;
  let settle = () => {};
  return withTimeout(
    new Promise<void>((resolve) => {
      settle = resolve;
      for (const event of outcomes) client.once(event, settle);
    }),
    timeoutMs,
    'redis connect',
  ).finally(() => {
    for (const event of outcomes) client.off(event, settle);
  });
}
