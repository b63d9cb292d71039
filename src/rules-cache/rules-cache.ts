import type { CacheInvalidator } from '../tiered-cache/cache-invalidator.js';
import type { CallerSignal, Loader, TieredCacheParts } from '../tiered-cache/cache-parts.js';
import type { TieredCache } from '../tiered-cache/tiered-cache.js';
import { UNAVAILABLE } from '../tiered-cache/tiers/l2-tier.js';
import { RULES_KINDS, type RulesKind } from './rules-cache-keys.js';

/**
 * The rules' tiered cache as the rest of the service sees it: answers by kind and channel,
 * invalidations by kind (the replicator, the admin flush), and the figures the admin stats show.
 */
export class RulesCache {
  constructor(
    private readonly cache: TieredCache,
    private readonly invalidator: CacheInvalidator,
    private readonly parts: TieredCacheParts,
  ) {}

  /** Starts listening for the other instances' invalidations; never waits for Redis. */
  start(): Promise<void> {
    return this.invalidator.start(RULES_KINDS);
  }

  /** The encoded answer for one channel, or NotFound. */
  get(kind: RulesKind, channelId: string, load: Loader, signal?: CallerSignal): Promise<Buffer> {
    return this.cache.get(kind, channelId, load, signal);
  }

  /** Drops these channels on every instance; answers how many cached entries Redis held for them. */
  invalidateChannels(kind: RulesKind, channelIds: readonly string[]): Promise<number> {
    return this.invalidator.invalidateIds(kind, channelIds);
  }

  /** Drops a whole kind on every instance; answers how many Redis keys were deleted. */
  invalidateKind(kind: RulesKind): Promise<number> {
    return this.invalidator.invalidateNamespace(kind);
  }

  /** The Redis circuit breaker's state, for stats. */
  get breakerState() {
    return this.parts.l2.breakerState;
  }

  /** L1 size, for stats. */
  get l1Size() {
    return this.parts.l1.size;
  }

  /** Remaining Redis TTL of a channel's entry (ms; negative when absent), for stats and tests. */
  async l2TtlMs(kind: RulesKind, channelId: string): Promise<number | undefined> {
    const ttl = await this.parts.l2.pttl(this.parts.keys.entry(kind, channelId));
    return ttl === UNAVAILABLE ? undefined : ttl;
  }

  /** Redis keys of a kind (entries and invalidation tombstones), by SCAN: for stats, not the hot path. */
  async l2Keys(kind: RulesKind): Promise<number | undefined> {
    const count = await this.parts.l2.countMatching(this.parts.keys.namespacePattern(kind));
    return count === UNAVAILABLE ? undefined : count;
  }
}
