import { Logger } from '@nestjs/common';
import { DependencyUnavailable, NotFound, RequestCancelled } from '../platform/errors/domain-errors.js';
import { type CacheEntry, entryState } from './cache-entry.js';
import type { CallerSignal, Loader, TieredCacheParts } from './cache-parts.js';
import { bridgesInvalidation, refreshesEarly, servableInGrace } from './entry-policy.js';
import { LeasedLoad, type Outcome } from './leased-load.js';
import { SingleFlight } from './single-flight.js';
import type { RefreshTrigger } from './tiered-cache.metrics.js';
import { fencePrefix } from './tiers/l2-envelope.js';
import { UNAVAILABLE } from './tiers/l2-tier.js';

/**
 * The read side of a two-tier cache-aside cache: L1 (in-process) → L2 (Redis) → the loader.
 *
 * - Fresh entries answer as they are; XFetch may refresh a hot one early, in the background.
 * - Stale entries answer at once while one background load refreshes them.
 * - Entries past expiry answer within grace only when the loader's source is down.
 * - A miss and a refresh take the same path: one load per key in the process (single flight),
 *   one across the cluster (a renewed lease; the others wait for its entry), written back
 *   unless an invalidation fenced it.
 */
export class TieredCache {
  private readonly logger = new Logger(TieredCache.name);
  private readonly flights = new SingleFlight<Outcome>();
  private readonly leasedLoad: LeasedLoad;
  private readonly draw: () => number;

  constructor(private readonly parts: TieredCacheParts) {
    this.draw = () => parts.random.next();
    this.leasedLoad = new LeasedLoad(parts);
  }

  /** The value of `id` in `namespace`: its bytes, or NotFound. */
  async get(namespace: string, id: string, load: Loader, signal?: CallerSignal): Promise<Buffer> {
    const key = this.parts.keys.entry(namespace, id);
    const local = await this.parts.l1.get(key);
    const served = local && this.serveLocal(namespace, key, local, load);
    if (served) return this.answer(namespace, served);

    const flight = this.flights.run(
      key,
      (loadSignal) => this.fetch(namespace, key, load, loadSignal, local),
      typeof signal === 'function' ? signal() : signal,
    );
    if (flight.joined) this.parts.metrics.coalescedLoad(namespace, 'process');
    let outcome: Outcome;
    try {
      outcome = await flight.result;
    } catch (error) {
      // The flight joined may be a background refresh, which has no fallback of its own: an
      // entry within grace still answers while the source is down.
      if (error instanceof DependencyUnavailable && local && this.graceAnswers(namespace, local))
        return this.answer(namespace, { entry: local, result: 'stale' });
      if (!(error instanceof RequestCancelled)) this.parts.metrics.request(namespace, 'error');
      throw error;
    }
    if (outcome.refresh && !flight.joined) this.refreshInBackground(namespace, key, load, outcome.refresh);
    return this.answer(namespace, outcome);
  }

  /** L1's answer, if it may give one (starting a background refresh when it should). */
  private serveLocal(namespace: string, key: string, local: CacheEntry, load: Loader): Outcome | undefined {
    const { fence, settings } = this.parts;
    const now = this.parts.clock.now();
    if (!fence.isCurrent(namespace, local)) {
      // A whole-namespace invalidation just passed: answer with what we had while one load refreshes it.
      if (!bridgesInvalidation(settings, local, now, fence.lastChange(namespace))) return undefined;
      this.refreshInBackground(namespace, key, load, 'invalidated');
      return { entry: local, result: 'stale' };
    }
    const state = entryState(local, now);
    if (state === 'fresh') {
      if (refreshesEarly(settings, this.draw, local, now))
        this.refreshInBackground(namespace, key, load, 'xfetch');
      return { entry: local, result: local.notFound === undefined ? 'hit_l1' : 'negative' };
    }
    if (state !== 'stale') return undefined;
    this.refreshInBackground(namespace, key, load, 'stale');
    return { entry: local, result: 'stale' };
  }

  /** L1 could not answer: try L2, then load. Runs once per key at a time (single flight). */
  private async fetch(
    namespace: string,
    key: string,
    load: Loader,
    signal: AbortSignal,
    local?: CacheEntry,
  ): Promise<Outcome> {
    let fallback = local && this.parts.fence.isCurrent(namespace, local) ? local : undefined;
    const remote = await this.parts.l2.read(key);
    if (remote === UNAVAILABLE || remote === undefined)
      return this.leasedLoad.run(namespace, key, '', load, signal, { fallback });
    if (remote.kind === 'entry' && this.parts.fence.isCurrent(namespace, remote.entry)) {
      const { entry } = remote;
      const state = entryState(entry, this.parts.clock.now());
      if (state === 'fresh' || state === 'stale') {
        await this.parts.l1.set(key, entry);
        if (state === 'stale') return { entry, result: 'stale', refresh: 'stale' };
        return { entry, result: entry.notFound === undefined ? 'hit_l2' : 'negative' };
      }
      if (state === 'grace' && (!fallback || entry.expiresAt > fallback.expiresAt)) fallback = entry;
    }
    return this.leasedLoad.run(namespace, key, remote.fence, load, signal, { fallback });
  }

  /**
   * One background load per key, never cancelled by a caller. If another instance holds the
   * key's lease it is refreshing already, and this one keeps answering what it has.
   */
  private refreshInBackground(namespace: string, key: string, load: Loader, trigger: RefreshTrigger) {
    if (this.flights.has(key)) return;
    this.parts.metrics.refreshStarted(namespace, trigger);
    const flight = this.flights.run(key, (signal) => this.refresh(namespace, key, load, signal));
    flight.result.catch((error: unknown) => {
      this.logger.warn({
        msg: 'background refresh failed; serving the cached entry',
        namespace,
        key,
        error: String(error),
      });
    });
  }

  private async refresh(namespace: string, key: string, load: Loader, signal: AbortSignal): Promise<Outcome> {
    const current = await this.parts.l1.get(key);
    const remote = await this.parts.l2.read(key);
    if (remote !== UNAVAILABLE && remote?.kind === 'entry' && remote.entry.token !== current?.token) {
      // Another instance refreshed it already: take theirs instead of loading again.
      const { entry } = remote;
      if (
        this.parts.fence.isCurrent(namespace, entry) &&
        entryState(entry, this.parts.clock.now()) === 'fresh'
      ) {
        await this.parts.l1.set(key, entry);
        return { entry, result: 'hit_l2' };
      }
    }
    const fence =
      remote === UNAVAILABLE ? (current ? fencePrefix(current.token) : '') : (remote?.fence ?? '');
    const ifHeld: Outcome | undefined = current && { entry: current, result: 'stale' };
    return this.leasedLoad.run(namespace, key, fence, load, signal, { ifHeld });
  }

  private graceAnswers(namespace: string, entry: CacheEntry): boolean {
    return this.parts.fence.isCurrent(namespace, entry) && servableInGrace(entry, this.parts.clock.now());
  }

  private answer(namespace: string, { entry, result }: Outcome): Buffer {
    this.parts.metrics.request(namespace, result);
    if (entry.notFound !== undefined) throw new NotFound(entry.notFound);
    return entry.payload;
  }
}
