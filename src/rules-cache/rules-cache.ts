import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { DependencyUnavailable, NotFound, RequestCancelled } from '../platform/errors/domain-errors.js';
import type {
  CacheResult,
  RefreshTrigger,
  RulesCacheMetrics,
} from '../platform/metrics/rules-cache.metrics.js';
import type { RulesKind } from '../rules/rules.types.js';
import { type CacheEntry, entryState, newToken } from './cache-entry.js';
import type { Clock, RandomSource } from './clock.js';
import type { InvalidationBus, InvalidationMessage } from './invalidation-bus.js';
import type { L1MemoryCache } from './l1-memory-cache.js';
import { fencePrefix } from './l2-envelope.js';
import { type L2RedisCache, UNAVAILABLE } from './l2-redis-cache.js';
import {
  rulesCacheGenerationKey,
  rulesCacheKey,
  rulesCacheKindPattern,
  rulesCacheLockKey,
} from './rules-cache-keys.js';
import { SingleFlight } from './single-flight.js';

/** Loads one answer from the database: the encoded response, or NotFound for an unknown channel. */
export type Loader = (signal: AbortSignal) => Promise<Buffer>;

interface Outcome {
  entry: CacheEntry;
  result: CacheResult;
  /** Set when the answer was stale: a refresh starts once this flight has landed. */
  refresh?: RefreshTrigger;
}

/** How long an invalidation tombstone lives: longer than any load that could race with it. */
const TOMBSTONE_MIN_MS = 60_000;
const LOCK_POLL_MS = 20;

/**
 * The tiered cache-aside engine for rules: L1 (in-process LRU) → L2 (Redis) → database.
 *
 * - Fresh entries are served as they are; XFetch refreshes a hot entry early, in the background.
 * - Stale entries (after the fresh part of the TTL) are served at once while one background
 *   load refreshes them (stale-while-revalidate).
 * - Expired entries within grace are served only when the database cannot answer.
 * - Concurrent misses share one load in the process (single flight) and, across instances,
 *   the holder of a short Redis lock loads while the others wait briefly for its result.
 * - An invalidation during a load wins: the load's result is not written back (local
 *   generation check for L1, a conditional write against the key's fence for L2, and a
 *   kind generation carried in every entry for whole-kind invalidations).
 * - NOT_FOUND is cached briefly; errors never are. Redis failures are counted and skipped.
 */
export class RulesCache {
  private readonly logger = new Logger(RulesCache.name);
  private readonly flights = new SingleFlight<Outcome>();
  /** Per-key invalidation counters: a load whose key moved on while it ran is not written back. */
  private readonly keyVersions = new Map<string, number>();
  /** The newest generation of each kind this instance knows of. */
  private readonly generations = new Map<RulesKind, number>();
  private readonly generationChangedAt = new Map<RulesKind, number>();
  /** Bumped when this instance may have missed invalidations: every load in flight is then fenced. */
  private epoch = 0;
  private readonly settings: AppConfig['rulesCache'];
  private readonly prefix: string;

  constructor(
    config: AppConfig,
    private readonly l1: L1MemoryCache,
    private readonly l2: L2RedisCache,
    private readonly bus: InvalidationBus,
    private readonly metrics: RulesCacheMetrics,
    private readonly clock: Clock,
    private readonly random: RandomSource,
  ) {
    this.settings = config.rulesCache;
    this.prefix = config.redis.keyPrefix;
  }

  /** Learns the kinds' generations and starts listening for other instances' invalidations. */
  async start(kinds: readonly RulesKind[]): Promise<void> {
    await this.bus.start(
      (message) => this.applyRemote(message),
      () => this.dropAllLocal('resubscribed'),
    );
    for (const kind of kinds) {
      const generation = await this.l2.generation(rulesCacheGenerationKey(this.prefix, kind));
      if (generation !== UNAVAILABLE) this.learnGeneration(kind, generation);
    }
  }

  /** The answer for one channel: encoded response bytes, or NotFound. */
  async get(kind: RulesKind, channelId: string, load: Loader, signal?: AbortSignal): Promise<Buffer> {
    const key = rulesCacheKey(this.prefix, kind, channelId);
    const now = this.clock.now();
    const local = this.l1.get(key);
    if (local && !this.isCurrent(kind, local) && this.withinInvalidationWindow(kind, local, now)) {
      // A whole-kind invalidation just passed: answer with what we had while one load per key refreshes it.
      this.refreshInBackground(kind, key, load, 'invalidated');
      return this.answer(kind, { entry: local, result: 'stale' });
    }
    if (local && this.isCurrent(kind, local)) {
      const state = entryState(local, now);
      if (state === 'fresh') {
        if (this.shouldRefreshEarly(local, now)) this.refreshInBackground(kind, key, load, 'xfetch');
        return this.answer(kind, {
          entry: local,
          result: local.notFound === undefined ? 'hit_l1' : 'negative',
        });
      }
      if (state === 'stale') {
        this.refreshInBackground(kind, key, load, 'stale');
        return this.answer(kind, { entry: local, result: 'stale' });
      }
    }

    const flight = this.flights.run(
      key,
      (loadSignal) => this.fetch(kind, key, load, loadSignal, local),
      signal,
    );
    if (flight.joined) this.metrics.coalescedLoad(kind, 'process');
    let outcome: Outcome;
    try {
      outcome = await flight.result;
    } catch (error) {
      // The flight joined may be a background refresh, which has no fallback of its own: an
      // entry within grace still answers while the database is down.
      if (error instanceof DependencyUnavailable && local && this.servableInGrace(kind, local))
        return this.answer(kind, { entry: local, result: 'stale' });
      if (!(error instanceof RequestCancelled)) this.metrics.request(kind, 'error');
      throw error;
    }
    if (outcome.refresh && !flight.joined) this.refreshInBackground(kind, key, load, outcome.refresh);
    return this.answer(kind, outcome);
  }

  /**
   * Drops the given channels' entries on every instance: L1 here, a tombstone in L2 (which
   * also fences any load in flight), and a message to the other instances. Returns how many
   * cached entries Redis held for them. Throws when Redis cannot take it, so the caller (the
   * replicator) retries rather than losing the event.
   */
  async invalidateChannels(kind: RulesKind, channelIds: readonly string[]): Promise<number> {
    const keys = channelIds.map((id) => rulesCacheKey(this.prefix, kind, id));
    for (const key of keys) this.dropLocal(key);
    this.metrics.invalidated(kind, 'keys', 'local', keys.length);
    const ttlMs = Math.max(TOMBSTONE_MIN_MS, this.settings.lockTtlMs * 2);
    let replaced = 0;
    for (const key of keys) {
      const hadEntry = await this.l2.tombstone(key, newToken(), ttlMs);
      if (hadEntry === UNAVAILABLE) throw new DependencyUnavailable('redis');
      if (hadEntry) replaced += 1;
    }
    await this.broadcast({ kind, keys });
    return replaced;
  }

  /**
   * Drops a whole kind: deletes its keys with SCAN + UNLINK, then bumps its generation (so
   * every entry written before is out of date, wherever it is) and tells the other instances.
   * Returns how many Redis keys were deleted.
   */
  async invalidateKind(kind: RulesKind): Promise<number> {
    // Delete first, then bump: refreshes that the bump sets off write entries of the new
    // generation, which a SCAN still running would otherwise delete again (a second herd).
    let deleted: number;
    try {
      deleted = await this.l2.unlinkMatching(rulesCacheKindPattern(this.prefix, kind));
    } catch (error) {
      throw new DependencyUnavailable('redis', { cause: error });
    }
    const generation = await this.l2.bumpGeneration(rulesCacheGenerationKey(this.prefix, kind));
    if (generation === UNAVAILABLE) throw new DependencyUnavailable('redis');
    this.learnGeneration(kind, generation);
    this.metrics.invalidated(kind, 'kind', 'local');
    await this.broadcast({ kind, generation });
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

  /** The Redis circuit breaker's state, for stats. */
  get breakerState() {
    return this.l2.breakerState;
  }

  /** L1 size, for stats. */
  get l1Size() {
    return { entries: this.l1.entries, bytes: this.l1.bytes };
  }

  /** Remaining Redis TTL of a channel's entry (ms; negative when absent), for stats and tests. */
  async l2TtlMs(kind: RulesKind, channelId: string): Promise<number | undefined> {
    const ttl = await this.l2.pttl(rulesCacheKey(this.prefix, kind, channelId));
    return ttl === UNAVAILABLE ? undefined : ttl;
  }

  /** Redis keys of a kind (entries and invalidation tombstones), by SCAN: for stats, not the hot path. */
  async l2Keys(kind: RulesKind): Promise<number | undefined> {
    const count = await this.l2.countMatching(rulesCacheKindPattern(this.prefix, kind));
    return count === UNAVAILABLE ? undefined : count;
  }

  // ---- reading -------------------------------------------------------------------------

  /** L1 could not answer: try L2, then load. Runs once per key at a time (single flight). */
  private async fetch(
    kind: RulesKind,
    key: string,
    load: Loader,
    signal: AbortSignal,
    local?: CacheEntry,
  ): Promise<Outcome> {
    const now = this.clock.now();
    let fallback = local && this.isCurrent(kind, local) ? local : undefined;
    let fence = '';
    const remote = await this.l2.read(key);
    if (remote !== UNAVAILABLE && remote !== undefined) {
      fence = remote.fence;
      if (remote.kind === 'entry' && this.isCurrent(kind, remote.entry)) {
        const entry = remote.entry;
        const state = entryState(entry, now);
        if (state === 'fresh' || state === 'stale') {
          this.l1.set(key, entry);
          this.reportL1();
          if (state === 'stale') return { entry, result: 'stale', refresh: 'stale' };
          return { entry, result: entry.notFound === undefined ? 'hit_l2' : 'negative' };
        }
        if (state === 'grace' && (!fallback || entry.expiresAt > fallback.expiresAt)) fallback = entry;
      }
    }
    return this.loadAndStore(kind, key, fence, load, signal, fallback);
  }

  /**
   * Loads under the cross-instance lock: the holder loads and writes back; the others wait up
   * to RULES_CACHE_LOCK_WAIT_MS for its result, then load themselves.
   */
  private async loadAndStore(
    kind: RulesKind,
    key: string,
    fence: string,
    load: Loader,
    signal: AbortSignal,
    fallback?: CacheEntry,
  ): Promise<Outcome> {
    const lockKey = rulesCacheLockKey(this.prefix, key);
    const owner = newToken();
    const locked = await this.l2.tryLock(lockKey, owner, this.settings.lockTtlMs);
    if (locked === false) {
      const theirs = await this.awaitOtherLoader(kind, key, lockKey, fence, signal);
      if (theirs) {
        this.metrics.coalescedLoad(kind, 'cluster');
        this.l1.set(key, theirs);
        this.reportL1();
        return { entry: theirs, result: theirs.notFound === undefined ? 'hit_l2' : 'negative' };
      }
    }
    try {
      const entry = await this.loadEntry(kind, key, load, signal, fence);
      return { entry, result: 'miss' };
    } catch (error) {
      const now = this.clock.now();
      if (error instanceof DependencyUnavailable && fallback && entryState(fallback, now) !== 'expired') {
        this.logger.warn({
          msg: 'database unavailable; serving a stale rules entry within grace',
          kind,
          key,
        });
        return { entry: fallback, result: 'stale' };
      }
      throw error;
    } finally {
      // A lock attempt that timed out may still have landed: an owner-checked unlock costs one
      // round trip, an orphaned lock would make every loader of this key wait LOCK_WAIT_MS.
      if (locked !== false) await this.l2.unlock(lockKey, owner);
    }
  }

  private servableInGrace(kind: RulesKind, entry: CacheEntry): boolean {
    return (
      this.isCurrent(kind, entry) &&
      entry.notFound === undefined &&
      entryState(entry, this.clock.now()) !== 'expired'
    );
  }

  /** Polls L2 while another instance holds the lock; undefined if it gave up or failed. */
  private async awaitOtherLoader(
    kind: RulesKind,
    key: string,
    lockKey: string,
    fence: string,
    signal: AbortSignal,
  ): Promise<CacheEntry | undefined> {
    const deadline = this.clock.now() + this.settings.lockWaitMs;
    while (this.clock.now() < deadline) {
      await sleep(LOCK_POLL_MS);
      if (signal.aborted) throw new RequestCancelled();
      // The lock is checked before the entry is read: the holder writes back before it unlocks,
      // so a released lock means the read below already sees its entry (read first, and a holder
      // finishing in between would look like one that gave up).
      const held = await this.l2.lockHeld(lockKey);
      const remote = await this.l2.read(key);
      if (remote === UNAVAILABLE) return undefined;
      if (remote?.kind === 'entry' && remote.fence !== fence && this.isCurrent(kind, remote.entry)) {
        if (entryState(remote.entry, this.clock.now()) !== 'expired') return remote.entry;
      }
      if (held !== true) return undefined;
    }
    return undefined;
  }

  /** Runs the loader, turns its answer (or NotFound) into an entry, and writes it back unless fenced. */
  private async loadEntry(
    kind: RulesKind,
    key: string,
    load: Loader,
    signal: AbortSignal,
    fence: string,
  ): Promise<CacheEntry> {
    const generation = this.generations.get(kind) ?? 0;
    const version = this.keyVersions.get(key) ?? 0;
    const epoch = this.epoch;
    const started = this.clock.now();
    this.metrics.databaseLoad(kind);
    let payload: Buffer;
    let notFound: string | undefined;
    try {
      payload = await load(signal);
    } catch (error) {
      if (!(error instanceof NotFound)) throw error;
      payload = Buffer.alloc(0);
      notFound = error.message;
    }
    const now = this.clock.now();
    const entry = this.newEntry(generation, now, now - started, payload, notFound);

    const invalidated =
      (this.generations.get(kind) ?? 0) !== generation ||
      (this.keyVersions.get(key) ?? 0) !== version ||
      this.epoch !== epoch;
    if (invalidated) {
      // Invalidated while loading: this result may predate the change, so it is answered but not kept.
      this.metrics.writeFenced(kind);
      return entry;
    }
    this.l1.set(key, entry);
    this.reportL1();
    const written = await this.l2.writeIfUnchanged(key, fence, entry, entry.expiresAt - now);
    if (written === false) {
      // The key changed in Redis meanwhile: an invalidation on another instance (ours may predate
      // it: drop it), or another instance's load that got there first (take theirs, so this
      // instance keeps an entry to fall back on if the database goes).
      this.metrics.writeFenced(kind);
      const theirs = await this.l2.read(key);
      if (theirs !== UNAVAILABLE && theirs?.kind === 'entry' && this.isCurrent(kind, theirs.entry)) {
        this.l1.set(key, theirs.entry);
        this.reportL1();
      } else this.dropLocal(key);
    }
    return entry;
  }

  private newEntry(
    generation: number,
    now: number,
    loadMs: number,
    payload: Buffer,
    notFound?: string,
  ): CacheEntry {
    const token = newToken();
    if (notFound !== undefined) {
      const until = now + this.settings.negativeTtlMs;
      return {
        token,
        generation,
        freshUntil: until,
        expiresAt: until,
        graceUntil: until,
        loadMs,
        notFound,
        payload,
      };
    }
    const jitter = 1 + (this.random.next() * 2 - 1) * this.settings.ttlJitter;
    const ttlMs = Math.round(this.settings.ttlMs * jitter);
    const expiresAt = now + ttlMs;
    return {
      token,
      generation,
      freshUntil: now + Math.round(ttlMs * this.settings.freshFraction),
      expiresAt,
      graceUntil: expiresAt + this.settings.graceMs,
      loadMs,
      payload,
    };
  }

  // ---- refreshing ----------------------------------------------------------------------

  /** XFetch (Vattani et al., VLDB 2015): refresh early with a probability that grows near expiry. */
  private shouldRefreshEarly(entry: CacheEntry, now: number): boolean {
    if (this.settings.xfetchBeta <= 0 || entry.notFound !== undefined) return false;
    const delta = Math.max(entry.loadMs, 1);
    return now - delta * this.settings.xfetchBeta * Math.log(this.random.next()) >= entry.freshUntil;
  }

  /**
   * One background load per key, never cancelled by a caller. If another instance already
   * holds the key's lock, it is refreshing: this one leaves it to them.
   */
  private refreshInBackground(kind: RulesKind, key: string, load: Loader, trigger: RefreshTrigger) {
    if (this.flights.has(key)) return;
    this.metrics.refreshStarted(kind, trigger);
    const flight = this.flights.run(key, async (signal): Promise<Outcome> => {
      const current = this.l1.get(key);
      const remote = await this.l2.read(key);
      if (remote !== UNAVAILABLE && remote?.kind === 'entry' && remote.entry.token !== current?.token) {
        // Another instance refreshed it already: take theirs instead of loading again.
        if (this.isCurrent(kind, remote.entry) && entryState(remote.entry, this.clock.now()) === 'fresh') {
          this.l1.set(key, remote.entry);
          this.reportL1();
          return { entry: remote.entry, result: 'hit_l2' };
        }
      }
      const fence =
        remote === UNAVAILABLE ? (current ? fencePrefix(current.token) : '') : (remote?.fence ?? '');
      const lockKey = rulesCacheLockKey(this.prefix, key);
      const owner = newToken();
      const locked = await this.l2.tryLock(lockKey, owner, this.settings.lockTtlMs);
      if (locked === false && current) return { entry: current, result: 'stale' };
      try {
        return { entry: await this.loadEntry(kind, key, load, signal, fence), result: 'miss' };
      } finally {
        if (locked !== false) await this.l2.unlock(lockKey, owner);
      }
    });
    flight.result.catch((error: unknown) => {
      this.logger.warn({
        msg: 'background refresh failed; serving the cached entry',
        kind,
        key,
        error: String(error),
      });
    });
  }

  // ---- invalidation --------------------------------------------------------------------

  private applyRemote(message: InvalidationMessage) {
    if (message.generation !== undefined) {
      this.learnGeneration(message.kind, message.generation);
      this.metrics.invalidated(message.kind, 'kind', 'remote');
    }
    for (const key of message.keys ?? []) this.dropLocal(key);
    if (message.keys?.length) this.metrics.invalidated(message.kind, 'keys', 'remote', message.keys.length);
  }

  private learnGeneration(kind: RulesKind, generation: number) {
    if (generation <= (this.generations.get(kind) ?? 0)) return;
    this.generations.set(kind, generation);
    this.generationChangedAt.set(kind, this.clock.now());
    // Older entries stay in L1 only to bridge the refresh (see withinInvalidationWindow); without a window they go now.
    if (this.settings.invalidationStaleMs === 0) {
      this.l1.deleteWithPrefix(`${this.prefix}${kind}:`);
      this.reportL1();
    }
  }

  /**
   * An entry made out of date by a whole-kind invalidation may still answer for a moment
   * (RULES_CACHE_INVALIDATION_STALE_MS, well under the 1 s freshness promise) while its key is
   * refreshed once, so a kind flush under load is not a database herd. It must have been
   * the generation just before, and not itself stale.
   */
  private withinInvalidationWindow(kind: RulesKind, entry: CacheEntry, now: number): boolean {
    const changedAt = this.generationChangedAt.get(kind);
    return (
      changedAt !== undefined &&
      now - changedAt < this.settings.invalidationStaleMs &&
      entry.generation === (this.generations.get(kind) ?? 0) - 1 &&
      (entryState(entry, now) === 'fresh' || entryState(entry, now) === 'stale') &&
      entry.notFound === undefined
    );
  }

  private isCurrent(kind: RulesKind, entry: CacheEntry): boolean {
    const known = this.generations.get(kind) ?? 0;
    if (entry.generation > known) this.learnGeneration(kind, entry.generation);
    return entry.generation >= known;
  }

  private dropLocal(key: string) {
    this.keyVersions.set(key, (this.keyVersions.get(key) ?? 0) + 1);
    this.l1.delete(key);
    this.reportL1();
  }

  /** The invalidation channel was down: messages may be lost, so nothing local can be trusted. */
  private dropAllLocal(reason: string) {
    this.epoch += 1;
    this.l1.clear();
    this.reportL1();
    this.logger.log({ msg: 'L1 rules cache cleared', reason });
  }

  // ---- answering -----------------------------------------------------------------------

  private answer(kind: RulesKind, { entry, result }: Outcome): Buffer {
    this.metrics.request(kind, result);
    if (entry.notFound !== undefined) throw new NotFound(entry.notFound);
    return entry.payload;
  }

  private reportL1() {
    this.metrics.l1Size(this.l1.entries, this.l1.bytes);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
