import type { CacheEntry } from '../cache-entry.js';
import { LruKeyvStore } from './lru-keyv.store.js';

const record = (bytes: number): { value: CacheEntry } => ({
  value: {
    token: 't'.repeat(16),
    generation: 0,
    freshUntil: 1,
    expiresAt: 2,
    graceUntil: 3,
    loadMs: 1,
    payload: Buffer.alloc(bytes),
  },
});

describe(LruKeyvStore.name, () => {
  it('stays within its byte bound, evicting the least recently used', () => {
    const sut = new LruKeyvStore({ maxEntries: 1_000, maxBytes: 100_000 });
    for (let i = 0; i < 50; i++) sut.set(`k${i}`, record(10_000));
    expect(sut.bytes).toBeLessThanOrEqual(100_000);
    expect(sut.entries).toBeLessThan(10);
    expect(sut.get('k49')).toBeDefined();
    expect(sut.get('k0')).toBeUndefined();
  });

  it('stays within its entry bound', () => {
    const sut = new LruKeyvStore({ maxEntries: 3, maxBytes: 1_000_000 });
    for (let i = 0; i < 10; i++) sut.set(`k${i}`, record(10));
    expect(sut.entries).toBe(3);
  });

  it('refuses a value larger than the whole budget instead of emptying itself for it', () => {
    const sut = new LruKeyvStore({ maxEntries: 10, maxBytes: 1_000 });
    sut.set('small', record(10));
    expect(sut.set('huge', record(5_000))).toBe(false);
    expect(sut.get('huge')).toBeUndefined();
    expect(sut.get('small')).toBeDefined();
  });

  it('drops every entry of a namespace by key prefix', () => {
    const sut = new LruKeyvStore({ maxEntries: 10, maxBytes: 1_000_000 });
    sut.set('p:coverage_rules:a', record(1));
    sut.set('p:coverage_rules:b', record(1));
    sut.set('p:population_membership_rules:a', record(1));
    expect(sut.deleteWithPrefix('p:coverage_rules:')).toBe(2);
    expect(sut.entries).toBe(1);
  });
});
