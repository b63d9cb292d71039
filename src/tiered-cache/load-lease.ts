import { RequestCancelled } from '../platform/errors/domain-errors.js';
import { newToken } from './cache-entry.js';
import { UNAVAILABLE, type Unavailable } from './tiers/l2-tier.js';

/** The lease verbs of the L2 tier (fail-open: UNAVAILABLE when Redis cannot be asked). */
export interface LeaseStore {
  tryLock(key: string, owner: string, ttlMs: number): Promise<boolean | Unavailable>;
  renewLock(key: string, owner: string, ttlMs: number): Promise<boolean | Unavailable>;
  unlock(key: string, owner: string): Promise<void>;
  lockHeld(key: string): Promise<boolean | Unavailable>;
}

/** How often a waiter looks at the lease and the entry. */
export const LEASE_POLL_MS = 20;

/** Polls Redis may leave unanswered in a row before a waiter stops waiting and loads itself. */
const MAX_UNANSWERED_POLLS = 3;

/**
 * One instance's right to load a key for the whole cluster. It is renewed every third of its
 * TTL while the load runs, so a slow load keeps it however long it takes; a holder that dies
 * stops renewing and the lease lapses within its TTL.
 */
export class Lease {
  private readonly renewal: NodeJS.Timeout;
  private lostAt?: number;

  constructor(
    private readonly store: LeaseStore,
    readonly key: string,
    private readonly owner: string,
    ttlMs: number,
  ) {
    this.renewal = setInterval(() => void this.renew(ttlMs), Math.max(1, Math.floor(ttlMs / 3)));
    this.renewal.unref();
  }

  /** Whether a renewal found the lease gone (it lapsed while this process stalled). */
  get lost(): boolean {
    return this.lostAt !== undefined;
  }

  async release(): Promise<void> {
    clearInterval(this.renewal);
    await this.store.unlock(this.key, this.owner);
  }

  private async renew(ttlMs: number) {
    if (this.lost) return;
    if ((await this.store.renewLock(this.key, this.owner, ttlMs)) === false) {
      this.lostAt = Date.now();
      clearInterval(this.renewal);
    }
  }
}

/**
 * The cluster's load leases: one instance loads a key while the others wait for its entry.
 * Waiting is bounded only by the waiter's own deadline: while a live holder renews its lease,
 * a slow source still costs one load across all instances.
 */
export class LoadLeases {
  constructor(
    private readonly store: LeaseStore,
    private readonly ttlMs: number,
  ) {}

  /** The lease, or `held` when another instance holds it, or `unavailable` when Redis cannot say. */
  async acquire(key: string): Promise<Lease | 'held' | 'unavailable'> {
    const owner = newToken();
    let taken = await this.store.tryLock(key, owner, this.ttlMs);
    if (taken === false) return 'held';
    if (taken === UNAVAILABLE) {
      // The reply timed out, but the attempt may have landed (a busy Redis or process): renewing
      // succeeds only for the owner, so it tells whether the lease is ours.
      taken = await this.store.renewLock(key, owner, this.ttlMs);
      if (taken === false && (await this.store.lockHeld(key)) === true) return 'held';
    }
    if (taken === true) return new Lease(this.store, key, owner, this.ttlMs);
    // Redis cannot say: load without the lease (fail open); an attempt that landed late is
    // released, since an orphaned lease would make every waiter wait out its TTL.
    void this.store.unlock(key, owner);
    return 'unavailable';
  }

  /**
   * Polls while another instance holds the lease, asking `check` each time whether its result
   * is there. The lease is looked at before `check` runs: a holder writes its entry before it
   * releases, so a lease seen released means `check` already sees the entry (the other order
   * would mistake a holder that finished in between for one that gave up).
   * Ends with what `check` found, or `released` (the holder finished without a usable entry, or
   * died and its lease lapsed), or `unavailable`.
   */
  async waitWhileHeld<T>(
    key: string,
    check: () => Promise<T | undefined | Unavailable>,
    signal?: AbortSignal,
  ): Promise<{ found: T } | 'released' | 'unavailable'> {
    let unanswered = 0;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS));
      if (signal?.aborted) throw new RequestCancelled();
      const held = await this.store.lockHeld(key);
      const found = await check();
      if (held === UNAVAILABLE || found === UNAVAILABLE) {
        // One slow reply on a busy machine is no reason to load beside the holder (a herd);
        // Redis not answering several polls in a row is.
        if (++unanswered >= MAX_UNANSWERED_POLLS) return 'unavailable';
        continue;
      }
      unanswered = 0;
      if (found !== undefined) return { found };
      if (!held) return 'released';
    }
  }
}
