import { Logger } from '@nestjs/common';
import { DependencyUnavailable, NotFound } from '../platform/errors/domain-errors.js';
import { type CacheEntry, entryState } from './cache-entry.js';
import type { Loader, TieredCacheParts } from './cache-parts.js';
import { newEntry, servableInGrace } from './entry-policy.js';
import { Lease } from './load-lease.js';
import type { CacheResult, RefreshTrigger } from './tiered-cache.metrics.js';
import { UNAVAILABLE } from './tiers/l2-tier.js';

export interface Outcome {
  entry: CacheEntry;
  result: CacheResult;
  /** Set when the answer was stale: a refresh starts once this flight has landed. */
  refresh?: RefreshTrigger;
}

/**
 * The one path every load takes, misses and refreshes alike: take the key's cluster lease (or
 * wait for its holder's entry), load, and write back to both tiers unless an invalidation
 * fenced the result.
 */
export class LeasedLoad {
  private readonly logger = new Logger(LeasedLoad.name);
  private readonly draw: () => number;

  constructor(private readonly parts: TieredCacheParts) {
    this.draw = () => parts.random.next();
  }

  /**
   * Loads under the cluster lease. When another instance holds it, waits for its entry while
   * the lease is held (or answers `ifHeld` at once, for a refresh with something to serve); when
   * the lease goes without an entry (its holder was fenced, failed, or died), takes it over.
   */
  async run(
    namespace: string,
    key: string,
    fence: string,
    load: Loader,
    signal: AbortSignal,
    options: { fallback?: CacheEntry; ifHeld?: Outcome },
  ): Promise<Outcome> {
    const { leases, keys, metrics } = this.parts;
    const leaseKey = keys.lease(key);
    let seen = fence;
    let takingOver = false;
    for (;;) {
      const lease = await leases.acquire(leaseKey);
      if (lease === 'held') {
        if (options.ifHeld) return options.ifHeld;
        const waited = await leases.waitWhileHeld(
          leaseKey,
          () =>
            this.holderEntry(namespace, key, seen, (f) => {
              seen = f;
            }),
          signal,
        );
        if (typeof waited === 'object') {
          metrics.coalescedLoad(namespace, 'cluster');
          await this.parts.l1.set(key, waited.found);
          return { entry: waited.found, result: waited.found.notFound === undefined ? 'hit_l2' : 'negative' };
        }
        if (waited === 'released') {
          takingOver = true;
          continue;
        }
      }
      if (takingOver) metrics.leaseTakenOver(namespace);
      try {
        return { entry: await this.loadAndWriteBack(namespace, key, seen, load, signal), result: 'miss' };
      } catch (error) {
        const { fallback } = options;
        if (
          !(error instanceof DependencyUnavailable) ||
          !fallback ||
          !servableInGrace(fallback, this.parts.clock.now())
        )
          throw error;
        this.logger.warn({ msg: 'source unavailable; serving a cached entry within grace', namespace, key });
        return { entry: fallback, result: 'stale' };
      } finally {
        if (lease instanceof Lease) await lease.release();
      }
    }
  }

  /** While waiting on a lease: the holder's new entry, if it is there (and the latest fence seen). */
  private async holderEntry(namespace: string, key: string, fence: string, saw: (fence: string) => void) {
    const remote = await this.parts.l2.read(key);
    if (remote === UNAVAILABLE) return UNAVAILABLE;
    saw(remote?.fence ?? '');
    if (remote?.kind !== 'entry' || remote.fence === fence) return undefined;
    const usable =
      this.parts.fence.isCurrent(namespace, remote.entry) &&
      entryState(remote.entry, this.parts.clock.now()) !== 'expired';
    return usable ? remote.entry : undefined;
  }

  /** Runs the loader and writes its answer (or NotFound) back to both tiers unless fenced. */
  private async loadAndWriteBack(
    namespace: string,
    key: string,
    fence: string,
    load: Loader,
    signal: AbortSignal,
  ): Promise<CacheEntry> {
    const { clock, fence: invalidations, metrics, l1, l2 } = this.parts;
    const ticket = invalidations.begin(namespace, key);
    const started = clock.now();
    metrics.databaseLoad(namespace);
    let payload: Buffer = Buffer.alloc(0);
    let notFound: string | undefined;
    try {
      payload = await load(signal);
    } catch (error) {
      if (!(error instanceof NotFound)) {
        invalidations.end(ticket);
        throw error;
      }
      notFound = error.message;
    }
    const now = clock.now();
    const entry = newEntry(this.parts.settings, this.draw, {
      generation: ticket.generation,
      now,
      loadMs: now - started,
      payload,
      notFound,
    });
    if (!invalidations.end(ticket)) {
      // Invalidated while loading: this result may predate the change, so it is answered but not kept.
      metrics.writeFenced(namespace);
      return entry;
    }
    await l1.set(key, entry);
    if ((await l2.writeIfUnchanged(key, fence, entry, entry.expiresAt - now)) === false) {
      // The key changed in Redis meanwhile: an invalidation on another instance (ours may predate
      // it: drop it), or another instance's load that got there first (take theirs, so this
      // instance keeps an entry to fall back on if the source goes).
      metrics.writeFenced(namespace);
      const theirs = await l2.read(key);
      if (
        theirs !== UNAVAILABLE &&
        theirs?.kind === 'entry' &&
        invalidations.isCurrent(namespace, theirs.entry)
      )
        await l1.set(key, theirs.entry);
      else await l1.delete([key]);
    }
    return entry;
  }
}
