/**
 * The Redis operations the L2 tier needs, each on one key (so all of them work on Redis
 * Cluster). `RedisKeyvStore` implements it over ioredis; the unit tests use an in-memory one.
 * Values follow Keyv's store contract: `{ value }` records, expiry by TTL in milliseconds.
 */
export interface L2Store {
  get(key: string): Promise<{ value: Buffer } | undefined>;
  set(key: string, record: { value: Buffer }, ttlMs?: number): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  clear(): Promise<void>;
  has(key: string): Promise<boolean>;
  replaceReporting(
    key: string,
    value: Buffer,
    ttlMs: number,
    offset: number,
    marker: string,
  ): Promise<boolean>;
  setIfPrefix(
    key: string,
    prefixLength: number,
    expectedPrefix: string,
    value: Buffer,
    ttlMs: number,
  ): Promise<boolean>;
  tryLock(key: string, owner: string, ttlMs: number): Promise<boolean>;
  unlock(key: string, owner: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  pttl(key: string): Promise<number>;
  increment(key: string): Promise<number>;
  readInteger(key: string): Promise<number>;
  unlinkMatching(pattern: string): Promise<number>;
  countMatching(pattern: string): Promise<number>;
}
