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
  /**
   * A pub/sub subscriber whose owner subscribes on every `ready` itself: no offline queue (a
   * SUBSCRIBE is never left waiting on a dead connection), no automatic resubscribe, so the
   * owner knows when its subscriptions are back, and a bound on each command (the ready check
   * included), so a Redis that accepts connections but does not answer shows as an error.
   */
  subscriber?: boolean;
}

/**
 * Every Redis connection the service opens is made here, from REDIS_URL (password and
 * database index included) or from REDIS_CLUSTER_NODES, so all of them honour both.
 */

export function createRedisClient(settings: AppConfig['redis'], options: RedisClientOptions): RedisClient {
  const common: RedisOptions = {
    connectionName: options.name,
    connectTimeout: settings.connectTimeoutMs,
    lazyConnect: false,
    retryStrategy: reconnectDelay,
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
    ...(options.subscriber
      ? { enableOfflineQueue: false, autoResubscribe: false, commandTimeout: settings.connectTimeoutMs }
      : {}),
  };

  if (settings.clusterNodes.length > 0) {
    return createCluster(settings, {
      enableOfflineQueue: !options.failFast && !options.subscriber,
      redisOptions: {
        connectionName: options.name,
        connectTimeout: settings.connectTimeoutMs,
        ...(options.failFast
          ? {
              commandTimeout: options.commandTimeoutMs ?? settings.commandTimeoutMs,
              maxRetriesPerRequest: 1,
            }
          : {}),
      },
    });
  }
  return new Redis(settings.url, common);
}

/** What a BullMQ queue or worker connection may change from the defaults. */
export interface BullmqConnectionOverrides {
  enableOfflineQueue?: boolean;
  maxRetriesPerRequest?: number | null;
  commandTimeout?: number;
}

/**
 * What BullMQ connects with. On a single Redis: connection options (REDIS_URL's host, password
 * and database), from which BullMQ opens and owns its connections and sets their retry policy.
 * On a Redis Cluster: a Cluster client, because BullMQ cannot build one from options; BullMQ
 * duplicates it for a worker's blocking reads but never closes the one it is given, so the
 * caller must. Either way the queue needs a hash-tagged prefix (see queue-keys.ts).
 */
export function bullmqConnection(
  settings: AppConfig['redis'],
  name: string,
  overrides: BullmqConnectionOverrides = {},
): RedisOptions | Cluster {
  if (settings.clusterNodes.length > 0) {
    return createCluster(settings, {
      enableOfflineQueue: overrides.enableOfflineQueue ?? true,
      redisOptions: {
        connectionName: name,
        connectTimeout: settings.connectTimeoutMs,
        // BullMQ wants null (retry forever) on a worker's connections; a producer passes its own bound.
        maxRetriesPerRequest:
          overrides.maxRetriesPerRequest === undefined ? null : overrides.maxRetriesPerRequest,
        ...(overrides.commandTimeout ? { commandTimeout: overrides.commandTimeout } : {}),
      },
    });
  }
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
    retryStrategy: reconnectDelay,
    ...overrides,
  };
}

/** Keep trying to reconnect, never faster than every 50 ms and never slower than every 2 s. */
function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 6), 2_000);
}

/**
 * A Cluster client on REDIS_CLUSTER_NODES. REDIS_URL only lends its credentials and TLS (a
 * cluster has database 0 only). Node connections do not reconnect by themselves: the client
 * refreshes the slot map and reconnects the cluster as a whole (`clusterRetryStrategy`).
 */
function createCluster(
  settings: AppConfig['redis'],
  options: Pick<ClusterOptions, 'enableOfflineQueue'> & {
    redisOptions: NonNullable<ClusterOptions['redisOptions']>;
  },
): Cluster {
  const url = new URL(settings.url);
  return new Cluster([...settings.clusterNodes], {
    enableOfflineQueue: options.enableOfflineQueue,
    clusterRetryStrategy: reconnectDelay,
    slotsRefreshTimeout: Math.max(1_000, settings.connectTimeoutMs),
    redisOptions: {
      // Connect to each master as soon as the slot map names it, not on its first command.
      lazyConnect: false,
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      tls: url.protocol === 'rediss:' ? {} : undefined,
      ...options.redisOptions,
    },
  });
}
