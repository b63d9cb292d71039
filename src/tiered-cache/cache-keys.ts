/**
 * Every Redis name a tiered cache uses, built in one place and shared by the read side, the
 * invalidation side, stats and the tests. Entries sit under the service's key prefix as
 * `{namespace}:{id}`; the cache's own bookkeeping (leases, generations, the bus channel) is
 * named after the cache (`rules_cache`), outside every namespace, so flushes and key counts of
 * a namespace skip it.
 */
export class CacheKeys {
  constructor(
    readonly prefix: string,
    private readonly cacheName: string,
  ) {}

  entry(namespace: string, id: string): string {
    return `${this.prefix}${namespace}:${id}`;
  }

  /** The first part of every entry key of a namespace (for L1 drops). */
  namespacePrefix(namespace: string): string {
    return `${this.prefix}${namespace}:`;
  }

  /** SCAN pattern matching every entry of a namespace (whole-namespace invalidation and stats). */
  namespacePattern(namespace: string): string {
    return `${this.namespacePrefix(namespace)}*`;
  }

  /** The cluster load lease of one entry key. */
  lease(entryKey: string): string {
    return `${this.prefix}${this.cacheName}_lock:${entryKey.slice(this.prefix.length)}`;
  }

  /** A namespace's generation counter: bumped by a whole-namespace invalidation, carried in every entry. */
  generation(namespace: string): string {
    return `${this.prefix}${this.cacheName}_generation:${namespace}`;
  }

  /** Pub/sub channel on which instances tell each other to drop L1 entries. */
  get invalidationChannel(): string {
    return `${this.prefix}${this.cacheName}_invalidations`;
  }
}
