import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { withTimeout } from '../../platform/async/with-timeout.js';
import { createRedisClient, type RedisClient, type RedisClientOptions } from './redis-client.factory.js';

const PATIENT_COMMAND_TIMEOUT_MS = 1_000;

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

  /** Key prefix that keeps this service's keys apart from other tenants of the same Redis. */
  get keyPrefix(): string {
    return this.config.redis.keyPrefix;
  }

  /**
   * Connects the shared connections before the service takes traffic. A Redis that is down at
   * start is logged, not fatal: the service starts degraded and the client keeps reconnecting.
   */
  async onModuleInit() {
    await Promise.all(
      (['commands', 'patient'] as const).map(async (name) => {
        const client = this[name];
        if (client.status === 'ready') return;
        try {
          await withTimeout(
            new Promise<void>((resolve) => client.once('ready', () => resolve())),
            this.config.redis.connectTimeoutMs,
            'redis connect',
          );
        } catch {
          this.logger.warn({ msg: 'redis not reachable at start; continuing degraded', connection: name });
        }
      }),
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
    let healthy = true;
    client.on('ready', () => {
      if (!healthy) this.logger.log({ msg: 'redis connection ready again', connection: options.name });
      healthy = true;
    });
    client.on('error', (error: Error) => {
      if (healthy)
        this.logger.warn({ msg: 'redis connection error', connection: options.name, error: error.message });
      healthy = false;
    });
    this.clients.set(options.name, client);
    return client;
  }
}
