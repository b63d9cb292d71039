import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { AppConfig } from '../../config/app-config.js';

export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  /** Shows in CLIENT LIST and in logs. */
  name: string;
  /**
   * Fail fast: no offline queue and a short command timeout, so a caller falls back at once
   * while Redis is down instead of waiting for it. Off for blocking or subscriber connections.
   */
  failFast: boolean;
  /** Overrides REDIS_COMMAND_TIMEOUT_MS for a fail-fast connection whose callers can wait longer. */
  commandTimeoutMs?: number;
}

/**
 * Every Redis connection the service opens is made here, from REDIS_URL (password and
 * database index included) or from REDIS_CLUSTER_NODES, so all of them honour both.
 */
/** Keep trying to reconnect, never faster than every 50 ms and never slower than every 2 s. */
const reconnectDelayMs = (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2_000);

export function createRedisClient(settings: AppConfig['redis'], options: RedisClientOptions): RedisClient {
  const common: RedisOptions = {
    connectionName: options.name,
    connectTimeout: settings.connectTimeoutMs,
    lazyConnect: false,
    retryStrategy: reconnectDelayMs,
    ...(options.failFast
      ? {
          // The ready check's INFO would run under the short command timeout: on a busy process
          // every reconnect's check times out and the connection stays down long after Redis is
          // back. A Redis still loading answers LOADING, which fails a command as fast as any error.
          enableReadyCheck: false,
          enableOfflineQueue: false,
          commandTimeout: options.commandTimeoutMs ?? settings.commandTimeoutMs,
          maxRetriesPerRequest: 1,
        }
      : {}),
  };

  if (settings.clusterNodes.length > 0) {
    const url = new URL(settings.url);
    const clusterOptions: ClusterOptions = {
      enableOfflineQueue: !options.failFast,
      clusterRetryStrategy: common.retryStrategy,
      redisOptions: {
        ...common,
        username: url.username ? decodeURIComponent(url.username) : undefined,
        password: url.password ? decodeURIComponent(url.password) : undefined,
      },
      ...(options.failFast ? { commandTimeout: options.commandTimeoutMs ?? settings.commandTimeoutMs } : {}),
    };
    return new Cluster([...settings.clusterNodes], clusterOptions);
  }
  return new Redis(settings.url, common);
}

/** Connection options for BullMQ, which opens its own connections and sets their retry policy. */
export function bullmqConnectionOptions(settings: AppConfig['redis'], name: string): RedisOptions {
  const url = new URL(settings.url);
  const db = Number(url.pathname.replace(/^\//, '') || 0);
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    connectionName: name,
    connectTimeout: settings.connectTimeoutMs,
    // BullMQ's own default backs off to e^n seconds (up to 20 s): after a 10 s outage its
    // producers and workers could stay away 8 s after Redis is back.
    retryStrategy: reconnectDelayMs,
  };
}
