import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
} from 'cockatiel';
import type { Keyv } from 'keyv';
import type { CacheEntry } from '../cache-entry.js';
import type { BreakerState, L2Operation, TieredCacheMetrics } from '../tiered-cache.metrics.js';
import { ENTRY_MARKER, type EnvelopeCodec, FENCE_PREFIX_LENGTH, type L2Value } from './l2-envelope.js';
import type { L2Store } from './l2-store.js';

/** What an L2 call answers when Redis could not be asked (breaker open) or failed. */
export const UNAVAILABLE = Symbol('L2 unavailable');
export type Unavailable = typeof UNAVAILABLE;

export interface L2BreakerSettings {
  /** Consecutive failures that open the breaker. */
  readonly breakerFailures: number;
  /** How long it stays open before one call probes Redis again. */
  readonly breakerCooldownMs: number;
}

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'open',
};

/**
 * The Redis tier. Plain reads go through the Keyv instance cache-manager holds for this tier;
 * the verbs cache-manager has no word for (conditional write, tombstones, lease, generations,
 * SCAN + UNLINK) go to the store directly. Fail-open: every call is timed, counted and guarded
 * by cockatiel's ConsecutiveBreaker, and a failure answers UNAVAILABLE instead of throwing, so
 * the request goes on from L1 or the source.
 */
export class L2Tier {
  private readonly breaker: CircuitBreakerPolicy;

  constructor(
    private readonly keyv: Keyv<Buffer>,
    private readonly store: L2Store,
    private readonly codec: EnvelopeCodec,
    settings: L2BreakerSettings,
    private readonly metrics: TieredCacheMetrics,
    onBreakerChange: (state: BreakerState) => void = () => {},
  ) {
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: settings.breakerCooldownMs,
      breaker: new ConsecutiveBreaker(settings.breakerFailures),
    });
    this.breaker.onStateChange((state) => {
      metrics.breakerState(STATE_NAMES[state]);
      onBreakerChange(STATE_NAMES[state]);
    });
    metrics.breakerState('closed');
  }

  get breakerState(): BreakerState {
    return STATE_NAMES[this.breaker.state];
  }

  async read(key: string): Promise<L2Value | undefined | Unavailable> {
    const raw = await this.guarded('get', () => this.keyv.get(key));
    if (raw === UNAVAILABLE || raw === undefined) return raw;
    return this.codec.decode(Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
  }

  /** Writes the entry only if the key still holds what the loader saw (`fence`; '' = absent). */
  async writeIfUnchanged(key: string, fence: string, entry: CacheEntry, ttlMs: number) {
    const value = await this.codec.encode(entry);
    return this.guarded('cas', () => this.store.setIfPrefix(key, FENCE_PREFIX_LENGTH, fence, value, ttlMs));
  }

  /**
   * Marks keys invalidated: a tombstone a slow loader's conditional write will not pass.
   * Answers how many held a cached entry (what a flush reports as deleted).
   */
  tombstone(keys: readonly string[], token: string, ttlMs: number): Promise<number> {
    const value = this.codec.tombstone(token);
    return this.direct('set', () =>
      this.store.replaceManyReporting(keys, value, ttlMs, ENTRY_MARKER.offset, ENTRY_MARKER.byte),
    );
  }

  tryLock(key: string, owner: string, ttlMs: number) {
    return this.guarded('lock', () => this.store.tryLock(key, owner, ttlMs));
  }

  renewLock(key: string, owner: string, ttlMs: number) {
    return this.guarded('lock', () => this.store.renewLock(key, owner, ttlMs));
  }

  async unlock(key: string, owner: string): Promise<void> {
    await this.guarded('unlock', () => this.store.unlock(key, owner));
  }

  lockHeld(key: string) {
    return this.guarded('lock', () => this.store.exists(key));
  }

  generation(key: string) {
    return this.guarded('generation', () => this.store.readInteger(key));
  }

  bumpGeneration(key: string): Promise<number> {
    return this.direct('generation', () => this.store.increment(key));
  }

  /** Whole-namespace delete (SCAN + UNLINK). */
  unlinkMatching(pattern: string): Promise<number> {
    return this.direct('scan', () => this.store.unlinkMatching(pattern));
  }

  countMatching(pattern: string) {
    return this.guarded('scan', () => this.store.countMatching(pattern));
  }

  pttl(key: string) {
    return this.guarded('get', () => this.store.pttl(key));
  }

  /**
   * The invalidation verbs: timed and counted, but not held back by the breaker, and a failure
   * throws. The replicator or an operator asked, and must hear whether it was done; a breaker
   * opened by hot-path timeouts would otherwise refuse it for a whole cool-down, longer than the
   * replicator's retries in place (the event would then wait for another instance's claim).
   */
  private async direct<T>(operation: L2Operation, call: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    try {
      const result = await call();
      this.metrics.redisOperation(operation, seconds(started), false);
      return result;
    } catch (error) {
      this.metrics.redisOperation(operation, seconds(started), true);
      throw error;
    }
  }

  private async guarded<T>(operation: L2Operation, call: () => Promise<T>): Promise<T | Unavailable> {
    const started = process.hrtime.bigint();
    try {
      const result = await this.breaker.execute(call);
      this.metrics.redisOperation(operation, seconds(started), false);
      return result;
    } catch (error) {
      // A call the open breaker refused never reached Redis: nothing to count but the refusal.
      if (!(error instanceof BrokenCircuitError))
        this.metrics.redisOperation(operation, seconds(started), true);
      return UNAVAILABLE;
    }
  }
}

const seconds = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;
