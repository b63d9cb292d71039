import { LRUCache } from 'lru-cache';
import type { CacheEntry } from '../cache-entry.js';

/** Bytes an entry costs beyond its payload (key, object, header fields): an estimate, on the safe side. */
const ENTRY_OVERHEAD_BYTES = 256;

/** What Keyv hands a store when serialization is off. */
interface KeyvRecord {
  value: CacheEntry;
  expires?: number;
}

export interface LruKeyvStoreOptions {
  maxEntries: number;
  maxBytes: number;
}

/**
 * The in-process tier as a Keyv store: an LRU bounded both by entry count and by bytes, so
 * one instance's memory stays within its budget whatever the sizes of the values. Records are
 * kept as objects (no serialization). Keyv's TTL is not used: an entry's own times decide when
 * it may answer, and it must outlive its TTL in L1 to be served within grace.
 */
export class LruKeyvStore {
  /** Keyv writes its namespace here; this store leaves keys exactly as given. */
  namespace?: string;
  readonly opts = { dialect: 'lru' };
  private readonly lru: LRUCache<string, KeyvRecord>;

  constructor(private readonly options: LruKeyvStoreOptions) {
    this.lru = new LRUCache<string, KeyvRecord>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (record, key) => sizeOf(record.value, key),
    });
  }

  get(key: string): KeyvRecord | undefined {
    return this.lru.get(key);
  }

  /** Stores the record unless it alone is larger than the whole byte budget. */
  set(key: string, record: KeyvRecord): boolean {
    if (sizeOf(record.value, key) > this.options.maxBytes) return false;
    this.lru.set(key, record);
    return true;
  }

  delete(key: string): boolean {
    return this.lru.delete(key);
  }

  deleteMany(keys: readonly string[]): boolean {
    let all = true;
    for (const key of keys) all = this.lru.delete(key) && all;
    return all;
  }

  clear(): void {
    this.lru.clear();
  }

  has(key: string): boolean {
    return this.lru.has(key);
  }

  /** Drops every entry whose key starts with `prefix` (a whole namespace); returns how many. */
  deleteWithPrefix(prefix: string): number {
    let dropped = 0;
    for (const key of [...this.lru.keys()]) {
      if (key.startsWith(prefix) && this.lru.delete(key)) dropped += 1;
    }
    return dropped;
  }

  get entries(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }
}

const sizeOf = (entry: CacheEntry, key: string) =>
  entry.payload.length + key.length * 2 + ENTRY_OVERHEAD_BYTES;
