import { LRUCache } from 'lru-cache';
import type { CacheEntry } from './cache-entry.js';

/** Bytes an entry costs beyond its payload (key, object, header fields): an estimate, on the safe side. */
const ENTRY_OVERHEAD_BYTES = 256;

export interface L1Options {
  maxEntries: number;
  maxBytes: number;
}

/**
 * The in-process tier: an LRU bounded both by entry count and by bytes, so one instance's
 * memory stays within its budget whatever the channels' sizes. Expiry is decided by the
 * caller's clock against the entry's own times, not by the LRU.
 */
export class L1MemoryCache {
  private readonly lru: LRUCache<string, CacheEntry>;

  constructor(private readonly options: L1Options) {
    this.lru = new LRUCache<string, CacheEntry>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (entry, key) => entry.payload.length + key.length * 2 + ENTRY_OVERHEAD_BYTES,
    });
  }

  get(key: string): CacheEntry | undefined {
    return this.lru.get(key);
  }

  /** Stores the entry unless it alone is larger than the whole byte budget. */
  set(key: string, entry: CacheEntry) {
    if (entry.payload.length + ENTRY_OVERHEAD_BYTES > this.options.maxBytes) return;
    this.lru.set(key, entry);
  }

  delete(key: string) {
    this.lru.delete(key);
  }

  /** Drops every entry whose key starts with `prefix` (a whole kind); returns how many. */
  deleteWithPrefix(prefix: string): number {
    let dropped = 0;
    for (const key of [...this.lru.keys()]) {
      if (key.startsWith(prefix)) {
        this.lru.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }

  clear() {
    this.lru.clear();
  }

  get entries(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }
}
