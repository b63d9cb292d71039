import type { Provider } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { Database } from '../../infrastructure/database/database.js';
import { Queues } from '../../infrastructure/queue/queues.js';
import { RedisConnections } from '../../infrastructure/redis/redis-connections.js';
import type { ReadinessCheck } from './readiness-check.js';

export const DATABASE_READINESS = Symbol('DATABASE_READINESS');
export const REDIS_READINESS = Symbol('REDIS_READINESS');

export const databaseReadiness: Provider = {
  provide: DATABASE_READINESS,
  inject: [Database, AppConfig],
  useFactory: (database: Database, config: AppConfig): ReadinessCheck => ({
    name: 'database',
    async check() {
      await database.ping(config.health.checkTimeoutMs);
      return { dialect: database.dialect };
    },
  }),
};

export const redisReadiness: Provider = {
  provide: REDIS_READINESS,
  inject: [RedisConnections, AppConfig],
  useFactory: (redis: RedisConnections, config: AppConfig): ReadinessCheck => ({
    name: 'redis',
    async check() {
      await redis.ping(config.health.checkTimeoutMs);
      return undefined;
    },
  }),
};

// ---- Sign-in pre-cache ----
export const QUEUE_READINESS = Symbol('QUEUE_READINESS');

/** The queues answer through their own connections and this process's workers are running. */
export const queueReadiness: Provider = {
  provide: QUEUE_READINESS,
  inject: [Queues, AppConfig],
  useFactory: (queues: Queues, config: AppConfig): ReadinessCheck => ({
    name: 'queue',
    check: () => queues.check(config.health.checkTimeoutMs),
  }),
};
