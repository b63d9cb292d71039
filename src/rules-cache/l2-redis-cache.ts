import { Keyv } from 'keyv';
import type { RedisOperation, RulesCacheMetrics } from '../platform/metrics/rules-cache.metrics.js';
import type { CacheEntry } from './cache-entry.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { ENTRY_MARKER, type EnvelopeCodec, FENCE_PREFIX_LENGTH, type L2Value } from './l2-envelope.js';
import type { L2Store } from './l2-store.js';

/** What an L2 call answers when Redis could not be asked (breaker open) or failed. */
export const UNAVAILABLE = Symbol('redis unavailable');
export type Unavailable = typeof UNAVAILABLE;

/**
 * The Redis tier, as a Keyv store (cache-manager 7's storage layer) over the service's
 * fail-fast ioredis client. Fail-open: every operation is timed, counted and guarded by the
 * circuit breaker, and a failure answers UNAVAILABLE instead of throwing, so the request goes
 * on from L1 or the database.
 */
export class L2RedisCache {
  private readonly keyv: Keyv<Buffer>;

  constructor(
    private readonly store: L2Store,
    private readonly codec: EnvelopeCodec,
    private readonly breaker: CircuitBreaker,
    private readonly metrics: RulesCacheMetrics,
  ) {
    this.keyv = new Keyv<Buffer>({
      store,
      namespace: undefined,
      useKeyPrefix: false,
      serialize: undefined,
      deserialize: undefined,
      throwOnErrors: true,
    });
    // Keyv re-emits store errors as events; they are already counted where the call fails.
    this.keyv.on('error', () => undefined);
  }

  get breakerState() {
    return this.breaker.current;
  }

  async read(key: string): Promise<L2Value | undefined | Unavailable> {
    const raw = await this.guarded('get', () => this.keyv.get(key));
    if (raw === UNAVAILABLE || raw === undefined) return raw;
    return this.codec.decode(Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
  }

  /** Writes the entry only if the key still holds what the loader saw (`fence`; '' = absent). */
  async writeIfUnchanged(
    key: string,
    fence: string,
    entry: CacheEntry,
    ttlMs: number,
  ): Promise<boolean | Unavailable> {
    const value = await this.codec.encode(entry);
    return this.guarded('cas', () => this.store.setIfPrefix(key, FENCE_PREFIX_LENGTH, fence, value, ttlMs));
  }

  /**
   * Marks the key invalidated: a tombstone a slow loader's conditional write will not pass.
   * Answers whether a cached entry was there (what a flush reports as deleted).
   */
  async tombstone(key: string, token: string, ttlMs: number): Promise<boolean | Unavailable> {
    return this.guarded('set', () =>
      this.store.replaceReporting(
        key,
        this.codec.tombstone(token),
        ttlMs,
        ENTRY_MARKER.offset,
        ENTRY_MARKER.byte,
      ),
    );
  }

  async tryLock(key: string, owner: string, ttlMs: number): Promise<boolean | Unavailable> {
    return this.guarded('lock', () => this.store.tryLock(key, owner, ttlMs));
  }

  async unlock(key: string, owner: string): Promise<void> {
    await this.guarded('unlock', () => this.store.unlock(key, owner));
  }

  async lockHeld(key: string): Promise<boolean | Unavailable> {
    return this.guarded('lock', () => this.store.exists(key));
  }

  async generation(key: string): Promise<number | Unavailable> {
    return this.guarded('generation', () => this.store.readInteger(key));
  }

  async bumpGeneration(key: string): Promise<number | Unavailable> {
    return this.guarded('generation', () => this.store.increment(key));
  }

  /** Whole-kind delete. Not guarded by the breaker: an operator or the replicator asked for it and must hear if it failed. */
  async unlinkMatching(pattern: string): Promise<number> {
    const started = process.hrtime.bigint();
    try {
      const deleted = await this.store.unlinkMatching(pattern);
      this.metrics.redisOperation('scan', seconds(started), false);
      return deleted;
    } catch (error) {
      this.metrics.redisOperation('scan', seconds(started), true);
      throw error;
    }
  }

  async countMatching(pattern: string): Promise<number | Unavailable> {
    return this.guarded('scan', () => this.store.countMatching(pattern));
  }

  async pttl(key: string): Promise<number | Unavailable> {
    return this.guarded('get', () => this.store.pttl(key));
  }

  private async guarded<T>(operation: RedisOperation, call: () => Promise<T>): Promise<T | Unavailable> {
    if (!this.breaker.allows()) return UNAVAILABLE;
    const started = process.hrtime.bigint();
    try {
      const result = await call();
      this.breaker.succeeded();
      this.metrics.redisOperation(operation, seconds(started), false);
      return result;
    } catch {
      this.breaker.failed();
      this.metrics.redisOperation(operation, seconds(started), true);
      return UNAVAILABLE;
    }
  }
}

const seconds = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;
