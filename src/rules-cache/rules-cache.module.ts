import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { RedisConnections } from '../infrastructure/redis/redis-connections.js';
import { RedisKeyvStore } from '../infrastructure/redis/redis-keyv.store.js';
import { RedisPubSub } from '../infrastructure/redis/redis-pubsub.js';
import { RulesCacheMetrics, rulesCacheMetricProviders } from '../platform/metrics/rules-cache.metrics.js';
import { RULES_KINDS } from '../rules/rules.types.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { Clock, MathRandom, RandomSource, SystemClock } from './clock.js';
import { InvalidationBus } from './invalidation-bus.js';
import { L1MemoryCache } from './l1-memory-cache.js';
import { EnvelopeCodec } from './l2-envelope.js';
import { L2RedisCache } from './l2-redis-cache.js';
import { RulesCacheInterceptor } from './rules-cache.interceptor.js';
import { RulesCache } from './rules-cache.js';
import { rulesCacheInvalidationChannel } from './rules-cache-keys.js';

/**
 * Bound on each SCAN and batched UNLINK of a whole-kind flush. The hot path's 100 ms would
 * fail a 500-key pipeline on a busy machine, and a flush is asked for by an operator or the
 * replicator, who can wait a moment but must not be told "done" with keys left behind.
 */
const BULK_COMMAND_TIMEOUT_MS = 2_000;

/** The tiered rules cache: L1 + L2 + invalidation bus, and the interceptor that serves through it. */
@Module({
  providers: [
    ...rulesCacheMetricProviders,
    RulesCacheMetrics,
    RedisPubSub,
    { provide: Clock, useClass: SystemClock },
    { provide: RandomSource, useClass: MathRandom },
    {
      provide: L1MemoryCache,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new L1MemoryCache({
          maxEntries: config.rulesCache.l1MaxEntries,
          maxBytes: config.rulesCache.l1MaxBytes,
        }),
    },
    {
      provide: L2RedisCache,
      inject: [AppConfig, RedisConnections, RulesCacheMetrics, Clock],
      useFactory: (config: AppConfig, redis: RedisConnections, metrics: RulesCacheMetrics, clock: Clock) => {
        const logger = new Logger('RulesCacheBreaker');
        const breaker = new CircuitBreaker(
          {
            failureThreshold: config.rulesCache.breakerFailures,
            cooldownMs: config.rulesCache.breakerCooldownMs,
          },
          clock,
          (state) => {
            metrics.breakerState(state);
            logger.warn({ msg: 'rules cache Redis breaker changed state', state });
          },
        );
        metrics.breakerState('closed');
        const store = new RedisKeyvStore(
          redis.commands,
          `${config.redis.keyPrefix}*_rules:*`,
          redis.dedicated('rules-cache-bulk', true, BULK_COMMAND_TIMEOUT_MS),
        );
        return new L2RedisCache(
          store,
          new EnvelopeCodec(config.rulesCache.compressAboveBytes),
          breaker,
          metrics,
        );
      },
    },
    {
      provide: InvalidationBus,
      inject: [AppConfig, RedisPubSub],
      useFactory: (config: AppConfig, pubsub: RedisPubSub) =>
        new InvalidationBus(pubsub, rulesCacheInvalidationChannel(config.redis.keyPrefix)),
    },
    {
      provide: RulesCache,
      inject: [
        AppConfig,
        L1MemoryCache,
        L2RedisCache,
        InvalidationBus,
        RulesCacheMetrics,
        Clock,
        RandomSource,
      ],
      useFactory: (...deps: ConstructorParameters<typeof RulesCache>) => new RulesCache(...deps),
    },
    RulesCacheInterceptor,
  ],
  exports: [RulesCache, RulesCacheInterceptor, RulesCacheMetrics],
})
export class RulesCacheModule implements OnModuleInit {
  constructor(
    private readonly cache: RulesCache,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit() {
    if (this.config.rulesCache.enabled) await this.cache.start(RULES_KINDS);
  }
}
