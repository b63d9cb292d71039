import type { Clock } from '../../../src/tiered-cache/clock.js';
import type { L2Store } from '../../../src/tiered-cache/tiers/l2-store.js';

/** An in-memory L2Store on a (fake) clock, with a switch that makes every call fail like a dead Redis. */
export class MemoryL2Store implements L2Store {
  readonly data = new Map<string, { value: Buffer; expiresAt?: number }>();
  failing = false;
  calls = 0;
  readonly opts = { dialect: 'memory' };

  constructor(private readonly clock: Clock) {}

  private touch() {
    this.calls += 1;
    if (this.failing) throw new Error('redis down');
  }

  private live(key: string) {
    const item = this.data.get(key);
    if (item?.expiresAt !== undefined && item.expiresAt <= this.clock.now()) {
      this.data.delete(key);
      return undefined;
    }
    return item;
  }

  async get(key: string) {
    this.touch();
    const item = this.live(key);
    return item ? { value: item.value } : undefined;
  }
  async set(key: string, record: { value: Buffer }, ttlMs?: number) {
    this.touch();
    this.data.set(key, {
      value: Buffer.from(record.value),
      expiresAt: ttlMs ? this.clock.now() + ttlMs : undefined,
    });
    return true;
  }
  async delete(key: string) {
    this.touch();
    return this.data.delete(key);
  }
  async clear() {
    this.touch();
    this.data.clear();
  }
  async has(key: string) {
    this.touch();
    return this.live(key) !== undefined;
  }
  async replaceManyReporting(
    keys: readonly string[],
    value: Buffer,
    ttlMs: number,
    offset: number,
    marker: string,
  ) {
    this.touch();
    let replaced = 0;
    for (const key of keys) {
      const previous = this.live(key)?.value;
      this.data.set(key, { value, expiresAt: this.clock.now() + ttlMs });
      if (previous !== undefined && previous.toString('latin1', offset, offset + 1) === marker) replaced += 1;
    }
    return replaced;
  }
  async setIfPrefix(key: string, length: number, expected: string, value: Buffer, ttlMs: number) {
    this.touch();
    const current = this.live(key)?.value.toString('latin1', 0, length) ?? '';
    if (current !== expected) return false;
    this.data.set(key, { value, expiresAt: this.clock.now() + ttlMs });
    return true;
  }
  async tryLock(key: string, owner: string, ttlMs: number) {
    this.touch();
    if (this.live(key)) return false;
    this.data.set(key, { value: Buffer.from(owner), expiresAt: this.clock.now() + ttlMs });
    return true;
  }
  async renewLock(key: string, owner: string, ttlMs: number) {
    this.touch();
    const item = this.live(key);
    if (item?.value.toString() !== owner) return false;
    item.expiresAt = this.clock.now() + ttlMs;
    return true;
  }
  async unlock(key: string, owner: string) {
    this.touch();
    if (this.live(key)?.value.toString() === owner) this.data.delete(key);
  }
  async exists(key: string) {
    return this.has(key);
  }
  async pttl(key: string) {
    this.touch();
    const item = this.live(key);
    if (!item) return -2;
    return item.expiresAt === undefined ? -1 : item.expiresAt - this.clock.now();
  }
  async increment(key: string) {
    this.touch();
    const next = Number(this.live(key)?.value.toString() ?? 0) + 1;
    this.data.set(key, { value: Buffer.from(String(next)) });
    return next;
  }
  async readInteger(key: string) {
    this.touch();
    return Number(this.live(key)?.value.toString() ?? 0);
  }
  async unlinkMatching(pattern: string) {
    this.touch();
    const prefix = pattern.replace(/\*$/, '');
    let deleted = 0;
    for (const key of [...this.data.keys()]) {
      if (key.startsWith(prefix)) {
        this.data.delete(key);
        deleted += 1;
      }
    }
    return deleted;
  }
  async countMatching(pattern: string) {
    this.touch();
    const prefix = pattern.replace(/\*$/, '');
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).length;
  }
}
