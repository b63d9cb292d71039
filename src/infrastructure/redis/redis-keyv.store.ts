import { EventEmitter } from 'node:events';
import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './redis-client.factory.js';

/** What Keyv hands a store when serialization is off: the value and its absolute expiry. */
interface KeyvRecord {
  value: Buffer;
  expires?: number;
}

const CONDITIONAL_SET = `
if redis.call('GETRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1) == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
  return 1
end
return 0`;

const REPLACE_REPORTING = `
local marker = redis.call('GETRANGE', KEYS[1], tonumber(ARGV[3]), tonumber(ARGV[3]))
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if marker == ARGV[4] then return 1 end
return 0`;

const RENEW_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * A Keyv store over the service's own ioredis client, holding binary values as they are (no
 * JSON, no base64), with Redis doing the expiry. Besides Keyv's get/set/delete/clear it offers
 * the single-key atomic operations the tiered cache needs; each touches one key, so all of them
 * work unchanged on Redis Cluster.
 */
export class RedisKeyvStore extends EventEmitter {
  /** Keyv writes its namespace here; this store leaves keys exactly as given. */
  namespace?: string;
  readonly opts = { dialect: 'redis' };

  /**
   * @param redis the fail-fast connection of the hot path
   * @param bulk the connection for SCAN and batched UNLINK, whose replies may take longer than
   *   a hot-path command is allowed to (the same connection when none is given)
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly clearPattern: string,
    private readonly bulk: RedisClient = redis,
  ) {
    super();
  }

  async get(key: string): Promise<KeyvRecord | undefined> {
    const value = await this.redis.getBuffer(key);
    return value === null ? undefined : { value };
  }

  async set(key: string, record: KeyvRecord, ttlMs?: number): Promise<boolean> {
    if (ttlMs && ttlMs > 0) await this.redis.set(key, record.value, 'PX', Math.ceil(ttlMs));
    else await this.redis.set(key, record.value);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.redis.unlink(key)) > 0;
  }

  async clear(): Promise<void> {
    await this.unlinkMatching(this.clearPattern);
  }

  async has(key: string): Promise<boolean> {
    return (await this.redis.exists(key)) > 0;
  }

  async disconnect(): Promise<void> {
    // The client is shared and owned by RedisConnections; cache-manager must not close it.
  }

  /**
   * Writes `value` only if the key's first `prefixLength` bytes still equal `expectedPrefix`
   * ('' = the key is absent): the fence that keeps a slow load from overwriting a newer state.
   */
  async setIfPrefix(key: string, prefixLength: number, expectedPrefix: string, value: Buffer, ttlMs: number) {
    const written = await this.redis.eval(
      CONDITIONAL_SET,
      1,
      key,
      prefixLength,
      expectedPrefix,
      value,
      Math.ceil(ttlMs),
    );
    return written === 1;
  }

  /**
   * Overwrites the key and tells whether what it replaced had `marker` at byte `offset`
   * (lets a caller count the real entries it replaced, in the same round trip).
   */
  async replaceReporting(
    key: string,
    value: Buffer,
    ttlMs: number,
    offset: number,
    marker: string,
  ): Promise<boolean> {
    return (await this.redis.eval(REPLACE_REPORTING, 1, key, value, Math.ceil(ttlMs), offset, marker)) === 1;
  }

  /**
   * `replaceReporting` for many keys at once, sent back to back on the bulk connection without
   * waiting for each reply (ioredis pipelines them on the wire; on a cluster each goes to its
   * key's master). Answers how many replaced values had `marker`; throws if any write failed.
   */
  async replaceManyReporting(
    keys: readonly string[],
    value: Buffer,
    ttlMs: number,
    offset: number,
    marker: string,
  ): Promise<number> {
    const ttl = Math.ceil(ttlMs);
    const replies = await Promise.all(
      keys.map((key) => this.bulk.eval(REPLACE_REPORTING, 1, key, value, ttl, offset, marker)),
    );
    return replies.filter((reply) => reply === 1).length;
  }

  /** SET NX PX: true when this caller now holds the lock. */
  async tryLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(key, owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Extends the lock's TTL if `owner` still holds it; false when it lapsed or another took it. */
  async renewLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(RENEW_LOCK, 1, key, owner, Math.ceil(ttlMs))) === 1;
  }

  async unlock(key: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE_LOCK, 1, key, owner);
  }

  async exists(key: string): Promise<boolean> {
    return (await this.redis.exists(key)) > 0;
  }

  async pttl(key: string): Promise<number> {
    return this.redis.pttl(key);
  }

  async increment(key: string): Promise<number> {
    return this.redis.incr(key);
  }

  async readInteger(key: string): Promise<number> {
    return Number((await this.redis.get(key)) ?? 0);
  }

  /**
   * Deletes every key matching `pattern` with SCAN + UNLINK in batches (never KEYS), on every
   * master of a cluster. UNLINK frees memory off the main thread, so Redis keeps answering.
   * A key whose UNLINK failed is tried once more; if it fails again the call throws, so the
   * caller hears that keys were left behind instead of a smaller count.
   */
  async unlinkMatching(pattern: string, batch = 500): Promise<number> {
    let deleted = 0;
    for (const node of this.masters()) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', batch);
        cursor = next;
        if (keys.length === 0) continue;
        const first = await unlinkEach(node, keys);
        deleted += first.deleted;
        if (first.failed.length > 0) {
          const retry = await unlinkEach(node, first.failed);
          if (retry.failed.length > 0) throw new Error(`${retry.failed.length} keys could not be unlinked`);
          deleted += retry.deleted;
        }
      } while (cursor !== '0');
    }
    return deleted;
  }

  /** Counts keys matching `pattern` (SCAN, every master); for stats, not the hot path. */
  async countMatching(pattern: string, batch = 1000): Promise<number> {
    let count = 0;
    for (const node of this.masters()) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', batch);
        cursor = next;
        count += keys.length;
      } while (cursor !== '0');
    }
    return count;
  }

  /**
   * Where a SCAN must run to see every key: the one server, or each master of a cluster (a node
   * only holds the keys of its own slots). A cluster whose masters are not known yet (it is
   * still connecting, or down) fails the call rather than report "nothing to delete".
   */
  private masters() {
    if (!(this.bulk instanceof Cluster)) return [this.bulk];
    const masters = this.bulk.nodes('master');
    if (masters.length === 0) throw new Error('no Redis Cluster master is known yet');
    return masters;
  }
}

/** UNLINKs `keys` one command each (keys from one SCAN may hash to different slots), in one pipeline. */
async function unlinkEach(node: Redis, keys: string[]): Promise<{ deleted: number; failed: string[] }> {
  const pipeline = node.pipeline();
  for (const key of keys) pipeline.unlink(key);
  const results = (await pipeline.exec()) ?? [];
  let deleted = 0;
  const failed: string[] = [];
  keys.forEach((key, i) => {
    const [error, count] = results[i] ?? [new Error('no reply'), 0];
    if (error) failed.push(key);
    else deleted += Number(count);
  });
  return { deleted, failed };
}
