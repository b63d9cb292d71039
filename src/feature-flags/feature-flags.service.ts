import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { AppConfig } from '../config/app-config.js';
import { DependencyUnavailable } from '../platform/errors/domain-errors.js';
import { type FlipperGates, gatesFromHash, isOpenFor } from './flipper-gates.js';
import { FlipperStore } from './flipper-store.js';

/**
 * While the store cannot be read, the gates last read are kept answering for this long. Flags
 * are changed in that same store, so nobody can have changed them meanwhile; a Redis blip must
 * not turn a rollout dark (and count its sign-ins as skipped) on every instance at once.
 */
const LAST_KNOWN_MAX_AGE_MS = 15 * 60_000;

/**
 * Flag checks for the hot path: a feature's gates are read from Redis at most once per
 * FLIPPER_CACHE_TTL_MS (5 s at most) per process, through the module's in-process
 * cache-manager cache, whose `wrap` also makes concurrent checks share one read. A change made
 * anywhere is seen everywhere within that time. When the store is unreachable, the gates last
 * read (up to 15 minutes ago) answer instead.
 */
@Injectable()
export class FeatureFlags {
  private readonly lastKnown = new Map<string, { gates: FlipperGates; readAt: number }>();
  private readonly ttlMs: number;

  constructor(
    private readonly store: FlipperStore,
    config: AppConfig,
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
  ) {
    this.ttlMs = config.featureFlags.cacheTtlMs;
  }

  /**
   * Flipper's `enabled?(feature, actor)`. Throws DependencyUnavailable when the gates cannot be
   * read and none were read recently; the caller decides what an unknown flag means for it.
   */
  async isEnabled(feature: string, flipperId: string | undefined): Promise<boolean> {
    return isOpenFor(feature, await this.gates(feature), flipperId);
  }

  async gates(feature: string): Promise<FlipperGates> {
    if (this.ttlMs <= 0) return this.read(feature);
    return this.cache.wrap(feature, () => this.read(feature), this.ttlMs);
  }

  /** Drops this process's copy after a change made here, so it takes effect at once locally. */
  async forget(feature: string) {
    this.lastKnown.delete(feature);
    await this.cache.del(feature);
  }

  private async read(feature: string): Promise<FlipperGates> {
    let hash: Record<string, string>;
    try {
      hash = await this.store.hash(feature);
    } catch (error) {
      const known = this.lastKnown.get(feature);
      if (known && Date.now() - known.readAt <= LAST_KNOWN_MAX_AGE_MS) return known.gates;
      throw new DependencyUnavailable('feature flag store', { cause: error });
    }
    const gates = gatesFromHash(hash);
    this.lastKnown.set(feature, { gates, readAt: Date.now() });
    return gates;
  }
}
