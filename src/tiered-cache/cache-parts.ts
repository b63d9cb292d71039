import type { CacheKeys } from './cache-keys.js';
import type { Clock, RandomSource } from './clock.js';
import type { EntryPolicySettings } from './entry-policy.js';
import type { InvalidationFence } from './invalidation-fence.js';
import type { LoadLeases } from './load-lease.js';
import type { TieredCacheMetrics } from './tiered-cache.metrics.js';
import type { L1Tier } from './tiers/l1-tier.js';
import type { L2Tier } from './tiers/l2-tier.js';

/** Loads one value from the source: its encoded bytes, or NotFound (cached briefly). */
export type Loader = (signal: AbortSignal) => Promise<Buffer>;

/**
 * The caller's abort signal, or what makes it: a hit never needs one, so a caller whose signal
 * costs something to make (a gRPC call's) passes the maker, and only a caller that waits gets one.
 */
export type CallerSignal = AbortSignal | (() => AbortSignal | undefined);

export type TieredCacheSettings = EntryPolicySettings;

/** The parts a tiered cache is made of; the read side and the invalidation side share them. */
export interface TieredCacheParts {
  readonly settings: TieredCacheSettings;
  readonly keys: CacheKeys;
  readonly l1: L1Tier;
  readonly l2: L2Tier;
  readonly fence: InvalidationFence;
  readonly leases: LoadLeases;
  readonly metrics: TieredCacheMetrics;
  readonly clock: Clock;
  readonly random: RandomSource;
}
