import type { Keyv } from 'keyv';
import type { CacheEntry } from '../cache-entry.js';
import type { TieredCacheMetrics } from '../tiered-cache.metrics.js';
import type { LruKeyvStore } from './lru-keyv.store.js';

/**
 * The in-process tier: reads and writes go through the Keyv instance cache-manager holds for
 * it; whole-namespace drops and sizes come from its LRU store.
 */
export class L1Tier {
  constructor(
    private readonly keyv: Keyv<CacheEntry>,
    private readonly store: LruKeyvStore,
    private readonly metrics: TieredCacheMetrics,
  ) {}

  get(key: string): Promise<CacheEntry | undefined> {
    return this.keyv.get(key);
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    await this.keyv.set(key, entry);
    this.report();
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 1) await this.keyv.delete(keys[0]);
    else if (keys.length > 1) await this.keyv.deleteMany([...keys]);
    this.report();
  }

  deleteWithPrefix(prefix: string) {
    this.store.deleteWithPrefix(prefix);
    this.report();
  }

  clear() {
    this.store.clear();
    this.report();
  }

  get size() {
    return { entries: this.store.entries, bytes: this.store.bytes };
  }

  private report() {
    this.metrics.l1Size(this.store.entries, this.store.bytes);
  }
}
