import type { Cache } from 'cache-manager';
import type { Keyv } from 'keyv';
import type { CacheEntry } from './cache-entry.js';
import { CacheInvalidator } from './cache-invalidator.js';
import { CacheKeys } from './cache-keys.js';
import type { TieredCacheParts, TieredCacheSettings } from './cache-parts.js';
import type { Clock, RandomSource } from './clock.js';
import { InvalidationBus, type PubSubTransport } from './invalidation-bus.js';
import { InvalidationFence } from './invalidation-fence.js';
import { LoadLeases } from './load-lease.js';
import { TieredCache } from './tiered-cache.js';
import type { BreakerState, TieredCacheMetrics } from './tiered-cache.metrics.js';
import { L1Tier } from './tiers/l1-tier.js';
import { EnvelopeCodec } from './tiers/l2-envelope.js';
import type { L2Store } from './tiers/l2-store.js';
import { type L2BreakerSettings, L2Tier } from './tiers/l2-tier.js';
import { LruKeyvStore } from './tiers/lru-keyv.store.js';

export interface TieredCacheOptions {
  /** cache-manager's cache: `stores[0]` is the in-process tier (an LruKeyvStore), `stores[1]` Redis. */
  readonly cache: Cache;
  readonly settings: TieredCacheSettings &
    L2BreakerSettings & {
      /** The cluster load lease's TTL: renewed every third of it while its holder loads. */
      readonly leaseTtlMs: number;
      /** L2 values larger than this are brotli-compressed. */
      readonly compressAboveBytes: number;
    };
  /** The service's key prefix, and the name the cache's own keys go by. */
  readonly keyPrefix: string;
  readonly cacheName: string;
  readonly namespaces: readonly string[];
  readonly transport: PubSubTransport;
  readonly metrics: TieredCacheMetrics;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly onBreakerChange?: (state: BreakerState) => void;
}

/** Builds a tiered cache over cache-manager's two stores: its read side, its invalidation side and their shared parts. */
export function createTieredCache(options: TieredCacheOptions) {
  const { settings, metrics, clock } = options;
  const [l1Keyv, l2Keyv] = tiersOf(options.cache);
  const keys = new CacheKeys(options.keyPrefix, options.cacheName);
  const l1 = new L1Tier(l1Keyv, l1Keyv.store as LruKeyvStore, metrics);
  const l2 = new L2Tier(
    l2Keyv,
    l2Keyv.store as L2Store,
    new EnvelopeCodec(settings.compressAboveBytes),
    settings,
    metrics,
    options.onBreakerChange,
  );
  const fence = new InvalidationFence(clock, (namespace) => {
    // Without a bridging window, entries of an older generation go at once.
    if (settings.invalidationStaleMs === 0) l1.deleteWithPrefix(keys.namespacePrefix(namespace));
  });
  const parts: TieredCacheParts = {
    settings,
    keys,
    l1,
    l2,
    fence,
    leases: new LoadLeases(l2, settings.leaseTtlMs),
    metrics,
    clock,
    random: options.random,
  };
  const bus = new InvalidationBus(options.transport, keys.invalidationChannel, options.namespaces);
  return { cache: new TieredCache(parts), invalidator: new CacheInvalidator(parts, bus), parts };
}

function tiersOf(cache: Cache): [Keyv<CacheEntry>, Keyv<Buffer>] {
  const [l1, l2] = cache.stores;
  if (cache.stores.length !== 2 || !(l1?.store instanceof LruKeyvStore) || !l2)
    throw new Error('the tiered cache needs two stores: an LruKeyvStore (L1), then a Redis store (L2)');
  return [l1 as Keyv<CacheEntry>, l2 as Keyv<Buffer>];
}
