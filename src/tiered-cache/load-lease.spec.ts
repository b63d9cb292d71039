import { FakeClock } from '../../test/support/fakes/fake-clock.js';
import { MemoryL2Store } from '../../test/support/fakes/memory-l2.store.js';
import { RequestCancelled } from '../platform/errors/domain-errors.js';
import { LEASE_POLL_MS, Lease, type LeaseStore, LoadLeases } from './load-lease.js';
import { UNAVAILABLE } from './tiers/l2-tier.js';

const TTL_MS = 3_000;
const KEY = 'test:rules_cache_lock:coverage_rules:ec-1';

describe(LoadLeases.name, () => {
  let clock: FakeClock;
  let store: MemoryL2Store;
  let leaseStore: LeaseStore;

  beforeEach(() => {
    clock = new FakeClock();
    store = new MemoryL2Store(clock);
    leaseStore = {
      tryLock: (key, owner, ttlMs) => store.tryLock(key, owner, ttlMs),
      renewLock: (key, owner, ttlMs) => store.renewLock(key, owner, ttlMs),
      unlock: (key, owner) => store.unlock(key, owner),
      lockHeld: (key) => store.exists(key),
    };
  });
  afterEach(() => jest.useRealTimers());

  /** Moves the store's clock and the lease's timers together. */
  const elapse = async (ms: number, step = 100) => {
    for (let passed = 0; passed < ms; passed += step) {
      clock.advance(step);
      await jest.advanceTimersByTimeAsync(step);
    }
  };

  describe('acquire', () => {
    it('gives the lease to one caller and answers `held` to the others', async () => {
      const sut = new LoadLeases(leaseStore, TTL_MS);
      const first = await sut.acquire(KEY);
      expect(first).toBeInstanceOf(Lease);
      expect(await sut.acquire(KEY)).toBe('held');
      await (first as Lease).release();
      expect(await sut.acquire(KEY)).toBeInstanceOf(Lease);
    });

    it('keeps a live holder’s lease however long its load runs, by renewing it', async () => {
      jest.useFakeTimers();
      const sut = new LoadLeases(leaseStore, TTL_MS);
      const lease = (await sut.acquire(KEY)) as Lease;
      await elapse(TTL_MS * 4);
      expect(await sut.acquire(KEY)).toBe('held');
      expect(lease.lost).toBe(false);
      await lease.release();
      expect(await store.exists(KEY)).toBe(false);
    });

    it('lets a dead holder’s lease lapse within its TTL, and gives it to exactly one taker', async () => {
      jest.useFakeTimers();
      const sut = new LoadLeases(leaseStore, TTL_MS);
      const dead = (await sut.acquire(KEY)) as Lease;
      // The holder's process dies: its renewals stop, nobody releases the lease.
      jest.spyOn(store, 'renewLock').mockResolvedValue(false);
      await elapse(TTL_MS - 100);
      expect(await sut.acquire(KEY)).toBe('held');
      await elapse(100);

      const takers = await Promise.all(Array.from({ length: 5 }, () => sut.acquire(KEY)));
      expect(takers.filter((taker) => taker instanceof Lease)).toHaveLength(1);
      expect(dead.lost).toBe(true);
    });

    it('takes the lease when an attempt whose reply timed out did land', async () => {
      const sut = new LoadLeases(
        {
          ...leaseStore,
          tryLock: async (key, owner, ttlMs) => {
            await store.tryLock(key, owner, ttlMs);
            return UNAVAILABLE;
          },
        },
        TTL_MS,
      );
      const lease = await sut.acquire(KEY);
      expect(lease).toBeInstanceOf(Lease);
      await (lease as Lease).release();
      expect(await store.exists(KEY)).toBe(false);
    });

    it('answers `held` when an attempt whose reply timed out lost to another owner', async () => {
      await store.tryLock(KEY, 'another-instance', TTL_MS);
      const sut = new LoadLeases({ ...leaseStore, tryLock: async () => UNAVAILABLE }, TTL_MS);
      expect(await sut.acquire(KEY)).toBe('held');
    });

    it('answers `unavailable` when Redis cannot say, and releases an attempt that may have landed later', async () => {
      const unlocked: string[] = [];
      const sut = new LoadLeases(
        {
          tryLock: async () => UNAVAILABLE,
          renewLock: async () => UNAVAILABLE,
          lockHeld: async () => UNAVAILABLE,
          unlock: async (key) => {
            unlocked.push(key);
          },
        },
        TTL_MS,
      );
      expect(await sut.acquire(KEY)).toBe('unavailable');
      expect(unlocked).toEqual([KEY]);
    });
  });

  describe('waitWhileHeld', () => {
    it('answers what the check found while the lease is held', async () => {
      const sut = new LoadLeases(leaseStore, TTL_MS);
      await sut.acquire(KEY);
      let polls = 0;
      const found = await sut.waitWhileHeld(KEY, async () => (++polls === 3 ? 'entry' : undefined));
      expect(found).toEqual({ found: 'entry' });
    });

    it('answers `released` once the lease is gone without the check finding anything', async () => {
      const sut = new LoadLeases(leaseStore, TTL_MS);
      const lease = (await sut.acquire(KEY)) as Lease;
      setTimeout(() => void lease.release(), LEASE_POLL_MS * 3);
      expect(await sut.waitWhileHeld(KEY, async () => undefined)).toBe('released');
    });

    it('keeps waiting through a poll Redis left unanswered, and stops after several in a row', async () => {
      const sut = new LoadLeases(leaseStore, TTL_MS);
      await sut.acquire(KEY);
      const answers: Array<'entry' | undefined | typeof UNAVAILABLE> = [UNAVAILABLE, undefined, 'entry'];
      expect(await sut.waitWhileHeld(KEY, async () => answers.shift())).toEqual({ found: 'entry' });

      expect(await sut.waitWhileHeld(KEY, async () => UNAVAILABLE)).toBe('unavailable');
    });

    it('stops waiting when the caller leaves', async () => {
      const sut = new LoadLeases(leaseStore, TTL_MS);
      await sut.acquire(KEY);
      const leaving = new AbortController();
      setTimeout(() => leaving.abort(), LEASE_POLL_MS * 2);
      await expect(sut.waitWhileHeld(KEY, async () => undefined, leaving.signal)).rejects.toThrow(
        RequestCancelled,
      );
    });
  });
});
