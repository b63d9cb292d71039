import { Logger } from '@nestjs/common';
import { DependencyUnavailable } from '../platform/errors/domain-errors.js';
import { newToken } from './cache-entry.js';
import type { TieredCacheParts } from './cache-parts.js';
import { type InvalidationBus, type InvalidationMessage, KEYS_PER_MESSAGE } from './invalidation-bus.js';
import { UNAVAILABLE } from './tiers/l2-tier.js';

/**
 * How long an invalidation tombstone lives in L2: longer than any load that could race with it.
 * A load's own instance also fences it in process; the tombstone is what stops a load on an
 * instance whose invalidation message was lost.
 */
export const TOMBSTONE_TTL_MS = 5 * 60_000;

/**
 * The invalidation side of a tiered cache: drops keys or whole namespaces on every instance
 * (L1 here, tombstones or a generation bump in L2, a message to the others), and applies the
 * other instances' messages here.
 */
export class CacheInvalidator {
  private readonly logger = new Logger(CacheInvalidator.name);

  constructor(
    private readonly parts: TieredCacheParts,
    private readonly bus: InvalidationBus,
  ) {}

  /**
   * Listens for the other instances' invalidations and learns each namespace's generation.
   * Never waits for Redis: without it the cache serves from L1 and the source, and once the
   * subscription is up (again) this instance drops its L1, since it may have missed messages.
   */
  async start(namespaces: readonly string[]): Promise<void> {
    await this.bus.start(
      (message) => this.applyRemote(message),
      () => {
        this.dropAllLocal('resubscribed');
        void this.learnGenerations(namespaces);
      },
    );
    await this.learnGenerations(namespaces);
  }

  /**
   * Drops the given ids' entries on every instance, in chunks: L1 here, a tombstone per key in
   * L2 (which also fences any load in flight), then a message to the other instances. Returns
   * how many cached entries L2 held for them. Throws when Redis cannot take it, so the caller
   * (the replicator) retries rather than losing the event.
   */
  async invalidateIds(namespace: string, ids: readonly string[]): Promise<number> {
    const { keys, fence, l1, l2, metrics } = this.parts;
    const entryKeys = [...new Set(ids)].map((id) => keys.entry(namespace, id));
    let replaced = 0;
    for (let i = 0; i < entryKeys.length; i += KEYS_PER_MESSAGE) {
      const chunk = entryKeys.slice(i, i + KEYS_PER_MESSAGE);
      for (const key of chunk) fence.invalidateKey(key);
      await l1.delete(chunk);
      // Tombstones first: an instance told to drop its copy must not find the old entry in L2.
      replaced += await redisCall(() => l2.tombstone(chunk, newToken(), TOMBSTONE_TTL_MS));
      await this.broadcast({ namespace, keys: chunk });
    }
    metrics.invalidated(namespace, 'keys', 'local', entryKeys.length);
    return replaced;
  }

  /**
   * Drops a whole namespace: deletes its keys with SCAN + UNLINK, then bumps its generation (so
   * every entry written before is out of date, wherever it is) and tells the other instances.
   * Returns how many L2 keys were deleted.
   */
  async invalidateNamespace(namespace: string): Promise<number> {
    const { keys, fence, l2, metrics } = this.parts;
    // Delete first, then bump: refreshes that the bump sets off write entries of the new
    // generation, which a SCAN still running would otherwise delete again (a second herd).
    const deleted = await redisCall(() => l2.unlinkMatching(keys.namespacePattern(namespace)));
    const generation = await redisCall(() => l2.bumpGeneration(keys.generation(namespace)));
    fence.learnGeneration(namespace, generation);
    metrics.invalidated(namespace, 'kind', 'local');
    await this.broadcast({ namespace, generation });
    return deleted;
  }

  /**
   * Tells the other instances to drop their L1 copies. A publish Redis refuses or times out
   * leaves them holding old data: the invalidation is not done, and the caller retries.
   */
  private async broadcast(message: InvalidationMessage): Promise<void> {
    try {
      await this.bus.publish(message);
    } catch (error) {
      throw new DependencyUnavailable('redis', { cause: error });
    }
  }

  private applyRemote(message: InvalidationMessage) {
    const { fence, l1, metrics } = this.parts;
    if (message.generation !== undefined) {
      fence.learnGeneration(message.namespace, message.generation);
      metrics.invalidated(message.namespace, 'kind', 'remote');
    }
    if (!message.keys?.length) return;
    for (const key of message.keys) fence.invalidateKey(key);
    void l1.delete(message.keys);
    metrics.invalidated(message.namespace, 'keys', 'remote', message.keys.length);
  }

  private async learnGenerations(namespaces: readonly string[]) {
    const { keys, fence, l2 } = this.parts;
    for (const namespace of namespaces) {
      const generation = await l2.generation(keys.generation(namespace));
      if (generation !== UNAVAILABLE) fence.learnGeneration(namespace, generation);
    }
  }

  /** The invalidation channel was down: messages may be lost, so nothing local can be trusted. */
  private dropAllLocal(reason: string) {
    this.parts.fence.invalidateEverything();
    this.parts.l1.clear();
    this.logger.log({ msg: 'L1 cache cleared', reason });
  }
}

/** A Redis call an invalidation cannot do without: its failure is the caller's to retry. */
async function redisCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new DependencyUnavailable('redis', { cause: error });
  }
}
