import { CACHE_MANAGER, CacheModule } from '@nestjs/cache-manager';
import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { Keyv } from 'keyv';
import { AppConfig } from '../config/app-config.js';
import { RedisConnections } from '../infrastructure/redis/redis-connections.js';
import { RedisKeyvStore } from '../infrastructure/redis/redis-keyv.store.js';
import { RedisPubSub } from '../infrastructure/redis/redis-pubsub.js';
import { RulesCacheMetrics, rulesCacheMetricProviders } from '../platform/metrics/rules-cache.metrics.js';
import { Clock, MathRandom, RandomSource, SystemClock } from '../tiered-cache/clock.js';
import { createTieredCache } from '../tiered-cache/create-tiered-cache.js';
import type { BreakerState } from '../tiered-cache/tiered-cache.metrics.js';
import { LruKeyvStore } from '../tiered-cache/tiers/lru-keyv.store.js';
import { RulesCacheInterceptor } from './rules-cache.interceptor.js';
import { RulesCache } from './rules-cache.js';
import { RULES_CACHE_NAME, RULES_KINDS } from './rules-cache-keys.js';

/**
 * Bound on each SCAN, batched UNLINK and tombstone batch of a bulk invalidation. The hot path's
 * 100 ms would fail a 500-key pipeline on a busy machine, and a flush is asked for by an
 * operator or the replicator, who can wait a moment but must not be told "done" with keys left.
 */
const BULK_COMMAND_TIMEOUT_MS = 2_000;

/**
 * cache-manager's cache over two Keyv stores: the in-process LRU (L1) and Redis (L2) on the
 * service's own fail-fast ioredis client. Values are kept as they are (no serialization).
 */
const rulesCacheManager = CacheModule.registerAsync({
  inject: [AppConfig, RedisConnections],
  useFactory: (config: AppConfig, redis: RedisConnections) => {
    const { keyPrefix } = config.redis;
    const asIs = { useKeyPrefix: false, serialize: undefined, deserialize: undefined };
    const l1 = new Keyv({
      ...asIs,
      store: new LruKeyvStore({
        maxEntries: config.rulesCache.l1MaxEntries,
        maxBytes: config.rulesCache.l1MaxBytes,
      }),
    });
    const l2 = new Keyv({
      ...asIs,
      throwOnErrors: true,
      store: new RedisKeyvStore(
        redis.commands,
        `${keyPrefix}*_rules:*`,
        redis.dedicated('rules-cache-bulk', true, BULK_COMMAND_TIMEOUT_MS),
      ),
    });
    // Keyv re-emits store errors as events; the L2 tier counts them where the call fails.
    l2.on('error', () => undefined);
    return { stores: [l1, l2] };
  },
});

/**
 * The breaker's changes, logged once per outage: a warning when it opens and a line when it
 * closes. While Redis stays down it probes every cooldown (half-open, then open again): debug.
 */
class BreakerLog {
  private readonly logger = new Logger('RulesCacheBreaker');
  private open = false;

  changed(state: BreakerState) {
    const line = { msg: 'rules cache Redis breaker changed state', state };
    if (state === 'half_open' || (state === 'open' && this.open)) {
      this.logger.debug(line);
      return;
    }
    this.open = state === 'open';
    if (this.open) this.logger.warn(line);
    else this.logger.log(line);
  }
}

/** The tiered rules cache (built on CACHE_MANAGER), and the interceptor that serves through it. */
@Module({
  imports: [rulesCacheManager],
  providers: [
    ...rulesCacheMetricProviders,
    RulesCacheMetrics,
    RedisPubSub,
    { provide: Clock, useClass: SystemClock },
    { provide: RandomSource, useClass: MathRandom },
    {
      provide: RulesCache,
      inject: [AppConfig, CACHE_MANAGER, RedisPubSub, RulesCacheMetrics, Clock, RandomSource],
      useFactory: (
        config: AppConfig,
        cache: Cache,
        pubsub: RedisPubSub,
        metrics: RulesCacheMetrics,
        clock: Clock,
        random: RandomSource,
      ) => {
        const breakerLog = new BreakerLog();
        const tiered = createTieredCache({
          cache,
          settings: config.rulesCache,
          keyPrefix: config.redis.keyPrefix,
          cacheName: RULES_CACHE_NAME,
          namespaces: RULES_KINDS,
          transport: pubsub,
          metrics,
          clock,
          random,
          onBreakerChange: (state) => breakerLog.changed(state),
        });
        return new RulesCache(tiered.cache, tiered.invalidator, tiered.parts);
      },
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
    if (this.config.rulesCache.enabled) await this.cache.start();
  }
}
