/**
 * The Redis operations the L2 tier needs, each on one key (so all of them work on Redis
 * Cluster). Keyv's store contract (`get`/`set`/`delete`/`clear`/`has`, `{ value }` records,
 * expiry by TTL in milliseconds) is what cache-manager reads through; the rest are the verbs
 * cache-manager does not have: the conditional write, tombstones, the load lease, generation
 * counters and SCAN + UNLINK. `RedisKeyvStore` implements it over ioredis; the unit tests use
 * an in-memory one, and one contract suite runs against both.
 */
export interface L2Store {
  get(key: string): Promise<{ value: Buffer } | undefined>;
  set(key: string, record: { value: Buffer }, ttlMs?: number): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  clear(): Promise<void>;
  has(key: string): Promise<boolean>;
  /**
   * Writes `value` only if the key's first `prefixLength` bytes still equal `expectedPrefix`
   * ('' = the key is absent).
   */
  setIfPrefix(
    key: string,
    prefixLength: number,
    expectedPrefix: string,
    value: Buffer,
    ttlMs: number,
  ): Promise<boolean>;
  /**
   * Overwrites each key with `value` and answers how many of them held `marker` at byte
   * `offset` before (how many real entries were replaced). Pipelined.
   */
  replaceManyReporting(
    keys: readonly string[],
    value: Buffer,
    ttlMs: number,
    offset: number,
    marker: string,
  ): Promise<number>;
  /** SET NX PX: true when this caller now holds the lock. */
  tryLock(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends the lock's TTL if `owner` still holds it; false when it was lost. */
  renewLock(key: string, owner: string, ttlMs: number): Promise<boolean>;
  unlock(key: string, owner: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  pttl(key: string): Promise<number>;
  increment(key: string): Promise<number>;
  readInteger(key: string): Promise<number>;
  unlinkMatching(pattern: string): Promise<number>;
  countMatching(pattern: string): Promise<number>;
}
