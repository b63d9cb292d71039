/** How a request was answered. Hit rate = hit_l1 + hit_l2 + stale + negative over all requests. */
export type CacheResult = 'hit_l1' | 'hit_l2' | 'stale' | 'miss' | 'negative' | 'error';
export type RefreshTrigger = 'stale' | 'xfetch' | 'invalidated';
export type L2Operation =
  | 'get'
  | 'set'
  | 'cas'
  | 'lock'
  | 'unlock'
  | 'delete'
  | 'scan'
  | 'generation'
  | 'publish';
export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * What the tiered cache reports. The adapter that builds a cache supplies an implementation
 * (the rules cache's is `RulesCacheMetrics`); the engine never touches prom-client itself.
 */
export interface TieredCacheMetrics {
  request(namespace: string, result: CacheResult): void;
  /** A load went to the source (a miss, a refresh, or the cache off). */
  databaseLoad(namespace: string): void;
  coalescedLoad(namespace: string, scope: 'process' | 'cluster'): void;
  /** A waiter took the lease over: its holder finished without an entry, or died and its lease lapsed. */
  leaseTakenOver(namespace: string): void;
  refreshStarted(namespace: string, trigger: RefreshTrigger): void;
  writeFenced(namespace: string): void;
  redisOperation(operation: L2Operation, seconds: number, failed: boolean): void;
  breakerState(state: BreakerState): void;
  l1Size(entries: number, bytes: number): void;
  invalidated(namespace: string, scope: 'keys' | 'kind', origin: 'local' | 'remote', count?: number): void;
}
