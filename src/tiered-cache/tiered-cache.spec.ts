import { FakeClock, FakeRandom } from '../../test/support/fakes/fake-clock.js';
import { MemoryL2Store } from '../../test/support/fakes/memory-l2.store.js';
import { MemoryPubSub, tieredCacheInstance } from '../../test/support/fakes/tiered-cache-parts.js';
import {
  ChannelNotFound,
  DependencyUnavailable,
  NotFound,
  RequestCancelled,
} from '../platform/errors/domain-errors.js';
import { TieredCache } from './tiered-cache.js';

const KIND = 'coverage_rules';
const MINUTE = 60_000;

/** A loader over a mutable "database", counting its loads; `gate` holds loads until released. */
function fakeDatabase() {
  const rows = new Map<string, string>([
    ['ec-1', 'v1'],
    ['ec-2', 'other'],
  ]);
  const state = {
    rows,
    loads: 0,
    down: false,
    /** How long a load takes on the fake clock (XFetch's δ). */
    loadMs: 0,
    clock: undefined as FakeClock | undefined,
    gate: undefined as Promise<void> | undefined,
    /** Holds every load (after it has read) until the returned function is called. */
    hold: () => {
      let release!: () => void;
      state.gate = new Promise<void>((r) => {
        release = r;
      });
      return release;
    },
    loader: (id: string) => async () => {
      state.loads += 1;
      state.clock?.advance(state.loadMs);
      const value = rows.get(id);
      await state.gate;
      if (state.down) throw new DependencyUnavailable('database');
      if (value === undefined) throw new ChannelNotFound(id);
      return Buffer.from(value);
    },
  };
  return state;
}

const text = (buffer: Buffer) => buffer.toString();
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe(TieredCache.name, () => {
  let clock: FakeClock;
  let random: FakeRandom;
  let store: MemoryL2Store;
  let pubsub: MemoryPubSub;
  let db: ReturnType<typeof fakeDatabase>;

  beforeEach(() => {
    clock = new FakeClock();
    random = new FakeRandom(0.5); // jitter factor 1.0; XFetch: -ln(0.5) ≈ 0.69
    store = new MemoryL2Store(clock);
    pubsub = new MemoryPubSub();
    db = fakeDatabase();
  });

  const instance = (settings = {}) => tieredCacheInstance({ clock, random, store, pubsub }, settings);

  describe('get', () => {
    it('loads on a miss and answers later calls from L1 without loading', async () => {
      const { cache: sut, metric } = await instance();
      expect(text(await sut.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v1');
      expect(text(await sut.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v1');
      expect(db.loads).toBe(1);
      expect(await metric('requests', { result: 'miss' })).toBe(1);
      expect(await metric('requests', { result: 'hit_l1' })).toBe(1);
      expect(await metric('loads')).toBe(1);
    });

    it('answers a second instance from L2 without loading', async () => {
      await (await instance()).cache.get(KIND, 'ec-1', db.loader('ec-1'));
      const { cache: other, metric } = await instance();
      expect(text(await other.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v1');
      expect(db.loads).toBe(1);
      expect(await metric('requests', { result: 'hit_l2' })).toBe(1);
    });

    it('coalesces concurrent misses on one key into one load', async () => {
      const { cache: sut, metric } = await instance();
      const release = db.hold();
      const answers = Array.from({ length: 50 }, () => sut.get(KIND, 'ec-1', db.loader('ec-1')));
      release();
      expect((await Promise.all(answers)).map(text)).toEqual(Array(50).fill('v1'));
      expect(db.loads).toBe(1);
      expect(await metric('coalesced', { scope: 'process' })).toBe(49);
    });

    /** Two instances ask for one cold key: the first holds the lock, its load held until `release`. */
    const racingInstances = async (settings = {}) => {
      const first = await instance(settings);
      const second = await instance(settings);
      const release = db.hold();
      const a = first.cache.get(KIND, 'ec-1', db.loader('ec-1'));
      await flush();
      const b = second.cache.get(KIND, 'ec-1', db.loader('ec-1'));
      return { second, release, a, b };
    };

    it('lets a second instance wait for the lock holder’s load instead of loading itself', async () => {
      const { second, release, a, b } = await racingInstances();
      await new Promise((r) => setTimeout(r, 30));
      release();
      expect([text(await a), text(await b)]).toEqual(['v1', 'v1']);
      expect(db.loads).toBe(1);
      expect(await second.metric('coalesced', { scope: 'cluster' })).toBe(1);
    });

    it('takes the holder’s entry when the holder writes back and unlocks between two steps of a poll', async () => {
      const { release, a, b } = await racingInstances();
      await flush(); // the second instance has missed L2 and lost the lock race: it is polling
      const read = store.get.bind(store);
      jest.spyOn(store, 'get').mockImplementationOnce(async (key: string) => {
        const before = await read(key);
        release();
        await a; // the holder writes back and unlocks while this poll is between its two calls
        return before;
      });
      expect([text(await a), text(await b)]).toEqual(['v1', 'v1']);
      expect(db.loads).toBe(1);
    });

    it('keeps every instance waiting on a live holder however long its load takes, then answers all with one load', async () => {
      const { second, release, a, b } = await racingInstances({ leaseTtlMs: 600_000 });
      clock.advance(60_000); // far past any fixed wait: only the waiter's own deadline bounds it
      await new Promise((r) => setTimeout(r, 100));
      expect(db.loads).toBe(1);
      release();
      expect([text(await a), text(await b)]).toEqual(['v1', 'v1']);
      expect(db.loads).toBe(1);
      expect(await second.metric('coalesced', { scope: 'cluster' })).toBe(1);
    });

    it('takes over the lease of a holder that died, exactly once across instances', async () => {
      const first = await instance();
      const second = await instance();
      // A holder that died mid-load: its lease is there, nobody renews or releases it.
      await store.tryLock('test:rules_cache_lock:coverage_rules:ec-1', 'dead-holder', 5_000);
      const answers = [first, second, first, second].map(({ cache }) =>
        cache.get(KIND, 'ec-1', db.loader('ec-1')),
      );
      await new Promise((r) => setTimeout(r, 100));
      expect(db.loads).toBe(0);

      clock.advance(5_000); // the dead holder's lease lapses
      expect((await Promise.all(answers)).map(text)).toEqual(Array(4).fill('v1'));
      expect(db.loads).toBe(1);
      const takeovers = (await first.metric('takeovers')) + (await second.metric('takeovers'));
      expect(takeovers).toBe(1);
    });

    it('keeps the TTL within ±10% jitter and the L1 copy within the L2 TTL', async () => {
      random.push(0.999_999); // jitter factor ≈ 1.1
      const { cache: sut } = await instance();
      await sut.get(KIND, 'ec-1', db.loader('ec-1'));
      const ttl = await store.pttl('test:coverage_rules:ec-1');
      expect(ttl).toBeGreaterThan(600_000 * 1.099);
      expect(ttl).toBeLessThanOrEqual(600_000 * 1.1);
      random.push(0);
      await sut.get(KIND, 'ec-2', db.loader('ec-2'));
      expect(await store.pttl('test:coverage_rules:ec-2')).toBe(600_000 * 0.9);
    });
  });

  describe('staleness', () => {
    it('serves a stale entry at once and refreshes it in the background', async () => {
      const { cache: sut, metric } = await instance({ xfetchBeta: 0 });
      await sut.get(KIND, 'ec-1', db.loader('ec-1'));
      db.rows.set('ec-1', 'v2');
      clock.advance(8 * MINUTE + 1); // past the fresh 80% of 10 minutes

      expect(text(await sut.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v1');
      await flush();
      await flush();
      expect(db.loads).toBe(2);
      expect(text(await sut.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v2');
      expect(await metric('requests', { result: 'stale' })).toBe(1);
      expect(await metric('refreshes', { trigger: 'stale' })).toBe(1);
    });

    it('serves an expired entry within grace while the database is down, and fails after grace', async () => {
      const { cache: sut } = await instance({ graceMs: 10 * MINUTE });
      await sut.get(KIND, 'ec-1', db.loader('ec-1'));
      db.down = true;
      clock.advance(11 * MINUTE); // expired (TTL 10 min), within grace
      expect(text(await sut.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v1');
      clock.advance(10 * MINUTE); // past grace
      await expect(sut.get(KIND, 'ec-1', db.loader('ec-1'))).rejects.toThrow(DependencyUnavailable);
    });

    it('serves an entry within grace to a request that joins a background refresh the database fails', async () => {
      const { cache: sut } = await instance({ xfetchBeta: 0 });
      await sut.get(KIND, 'ec-1', db.loader('ec-1'));
      db.down = true;
      const release = db.hold();
      clock.advance(8 * MINUTE + 1); // stale: answered at once, one refresh starts and waits on the database
      expect(text(await sut.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v1');
      await flush();
      clock.advance(2 * MINUTE); // expired, within grace: this request joins the refresh in flight
      const joined = sut.get(KIND, 'ec-1', db.loader('ec-1'));
      release();
      expect(text(await joined)).toBe('v1');
      expect(db.loads).toBe(2);
    });

    it('releases a lock whose attempt failed after it may have landed, so the next load does not wait on it', async () => {
      const { cache: sut } = await instance();
      const tryLock = store.tryLock.bind(store);
      store.tryLock = async (key, owner, ttlMs) => {
        await tryLock(key, owner, ttlMs);
        throw new Error('Command timed out'); // the reply came too late; the lock is set
      };
      db.down = true;
      await expect(sut.get(KIND, 'ec-1', db.loader('ec-1'))).rejects.toThrow(DependencyUnavailable);
      expect([...store.data.keys()].filter((key) => key.includes('rules_cache_lock:'))).toEqual([]);
    });

    it('does not serve an expired entry when the database answers', async () => {
      const { cache: sut } = await instance();
      await sut.get(KIND, 'ec-1', db.loader('ec-1'));
      db.rows.set('ec-1', 'v2');
      clock.advance(11 * MINUTE);
      expect(text(await sut.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v2');
    });

    it('refreshes a hot entry early (XFetch) when the draw says so, and not when it does not', async () => {
      const { cache: sut, metric } = await instance();
      db.clock = clock;
      db.loadMs = 2_000; // δ: a slow load makes early refresh likelier
      await sut.get(KIND, 'ec-1', db.loader('ec-1'));
      clock.advance(7 * MINUTE); // fresh for another minute

      random.push(1 - 1e-12); // -ln(≈1) ≈ 0: no early refresh
      await sut.get(KIND, 'ec-1', db.loader('ec-1'));
      await flush();
      expect(db.loads).toBe(1);

      random.push(1e-300); // -ln(tiny) is huge: refresh now
      await sut.get(KIND, 'ec-1', db.loader('ec-1'));
      await flush();
      await flush();
      expect(db.loads).toBe(2);
      expect(await metric('refreshes', { trigger: 'xfetch' })).toBe(1);
    });
  });

  describe('invalidation', () => {
    it('drops a channel on every instance, so the next read loads the new data', async () => {
      const first = await instance();
      const second = await instance();
      await first.cache.get(KIND, 'ec-1', db.loader('ec-1'));
      await second.cache.get(KIND, 'ec-1', db.loader('ec-1'));
      db.rows.set('ec-1', 'v2');

      await first.invalidator.invalidateIds(KIND, ['ec-1']);

      expect(text(await second.cache.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v2');
      expect(text(await first.cache.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v2');
    });

    it('never writes back a load that an invalidation overtook (the fence)', async () => {
      const { cache: sut, invalidator, metric } = await instance();
      const release = db.hold();
      const slow = sut.get(KIND, 'ec-1', db.loader('ec-1')); // reads v1, then waits
      await flush();
      db.rows.set('ec-1', 'v2');
      await invalidator.invalidateIds(KIND, ['ec-1']);
      release();
      expect(text(await slow)).toBe('v1'); // it started before the change
      db.gate = undefined;

      expect(text(await sut.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v2');
      expect(await metric('fenced')).toBe(1);
    });

    it('fences a load on another instance too (the L2 conditional write)', async () => {
      const loader = await instance();
      const invalidator = await instance();
      const release = db.hold();
      const slow = loader.cache.get(KIND, 'ec-1', db.loader('ec-1'));
      await flush();
      db.rows.set('ec-1', 'v2');
      await invalidator.invalidator.invalidateIds(KIND, ['ec-1']);
      release();
      await slow;
      db.gate = undefined;

      expect(text(await (await instance()).cache.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v2');
    });

    it("keeps the other instance's entry when its own write loses the race, so grace still has something to serve", async () => {
      store.tryLock = async () => {
        throw new Error('Command timed out'); // no lock: both instances load
      };
      const first = await instance();
      const second = await instance();
      const release = db.hold();
      const slow = second.cache.get(KIND, 'ec-1', db.loader('ec-1'));
      await flush();
      db.gate = undefined;
      await first.cache.get(KIND, 'ec-1', db.loader('ec-1')); // written to L2 first
      release();
      expect(text(await slow)).toBe('v1');

      db.down = true;
      clock.advance(11 * MINUTE); // expired everywhere, within grace
      expect(text(await second.cache.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v1');
    });

    it('drops a whole kind everywhere with a generation bump', async () => {
      const first = await instance();
      const second = await instance();
      await first.cache.get(KIND, 'ec-1', db.loader('ec-1'));
      await second.cache.get(KIND, 'ec-2', db.loader('ec-2'));
      db.rows.set('ec-1', 'v2');
      db.rows.set('ec-2', 'other2');

      const deleted = await first.invalidator.invalidateNamespace(KIND);
      clock.advance(501); // past the invalidation window

      expect(deleted).toBe(2);
      expect(text(await second.cache.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v2');
      expect(text(await second.cache.get(KIND, 'ec-2', db.loader('ec-2')))).toBe('other2');
    });

    it('bridges a whole-kind invalidation under load with one refresh per key, not a herd', async () => {
      const { cache: sut, invalidator, metric } = await instance();
      await sut.get(KIND, 'ec-1', db.loader('ec-1'));
      db.rows.set('ec-1', 'v2');
      await invalidator.invalidateNamespace(KIND);

      const during = await Promise.all(
        Array.from({ length: 20 }, () => sut.get(KIND, 'ec-1', db.loader('ec-1'))),
      );
      await flush();
      await flush();

      expect(during.map(text)).toEqual(Array(20).fill('v1')); // within the window: the previous entry
      expect(db.loads).toBe(2); // the first load and one refresh
      expect(await metric('refreshes', { trigger: 'invalidated' })).toBe(1);
      expect(text(await sut.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v2');
      clock.advance(501);
      expect(text(await sut.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v2');
    });

    it('ignores an entry written with an older generation (a load that a whole-kind flush overtook)', async () => {
      const { cache: sut, invalidator } = await instance();
      const release = db.hold();
      const slow = (await instance()).cache.get(KIND, 'ec-1', db.loader('ec-1'));
      await flush();
      await invalidator.invalidateNamespace(KIND);
      db.rows.set('ec-1', 'v2');
      release();
      await slow;
      db.gate = undefined;
      expect(text(await sut.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v2');
    });

    it('fails when Redis cannot take the invalidation, so the caller retries', async () => {
      const { invalidator } = await instance();
      store.failing = true;
      await expect(invalidator.invalidateIds(KIND, ['ec-1'])).rejects.toThrow(DependencyUnavailable);
      await expect(invalidator.invalidateNamespace(KIND)).rejects.toThrow(DependencyUnavailable);
    });

    it('fails as DependencyUnavailable, not an unknown error, when the other instances cannot be told', async () => {
      const { invalidator } = await instance();
      pubsub.failing = true;
      await expect(invalidator.invalidateIds(KIND, ['ec-1'])).rejects.toThrow(DependencyUnavailable);
      await expect(invalidator.invalidateNamespace(KIND)).rejects.toThrow(DependencyUnavailable);
    });
  });

  describe('negative caching', () => {
    it('caches NOT_FOUND briefly, then asks again', async () => {
      const { cache: sut, metric } = await instance();
      await expect(sut.get(KIND, 'ec-9', db.loader('ec-9'))).rejects.toThrow(NotFound);
      await expect(sut.get(KIND, 'ec-9', db.loader('ec-9'))).rejects.toThrow(NotFound);
      expect(db.loads).toBe(1);
      expect(await metric('requests', { result: 'negative' })).toBe(1);

      db.rows.set('ec-9', 'new');
      clock.advance(30_001);
      expect(text(await sut.get(KIND, 'ec-9', db.loader('ec-9')))).toBe('new');
    });

    it('never caches an error', async () => {
      const { cache: sut, metric } = await instance();
      db.down = true;
      await expect(sut.get(KIND, 'ec-1', db.loader('ec-1'))).rejects.toThrow(DependencyUnavailable);
      db.down = false;
      expect(text(await sut.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v1');
      expect(db.loads).toBe(2);
      expect(await metric('requests', { result: 'error' })).toBe(1);
    });
  });

  describe('when Redis fails', () => {
    it('answers from L1 and the database, counts the errors, and stops calling Redis once the breaker opens', async () => {
      const { cache: sut, parts, metric } = await instance({ breakerCooldownMs: 50 });
      store.failing = true;
      expect(text(await sut.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v1');
      expect(text(await sut.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v1'); // L1
      expect(text(await sut.get(KIND, 'ec-2', db.loader('ec-2')))).toBe('other');
      expect(parts.l2.breakerState).toBe('open');
      expect(await metric('redis_errors')).toBeGreaterThanOrEqual(3);

      const callsWhileOpen = store.calls;
      await sut.get(KIND, 'ec-2', db.loader('ec-2'));
      db.rows.set('ec-3', 'three');
      await sut.get(KIND, 'ec-3', db.loader('ec-3'));
      expect(store.calls).toBe(callsWhileOpen);

      store.failing = false;
      await new Promise((resolve) => setTimeout(resolve, 60)); // cooldown over: one probe goes through and closes the breaker
      db.rows.set('ec-4', 'four');
      await sut.get(KIND, 'ec-4', db.loader('ec-4'));
      expect(parts.l2.breakerState).toBe('closed');
      expect(store.data.has('test:coverage_rules:ec-4')).toBe(true);
    });

    it('treats a value it cannot decode as a miss', async () => {
      const { cache: sut } = await instance();
      store.data.set('test:coverage_rules:ec-1', { value: Buffer.from('garbage from another writer') });
      expect(text(await sut.get(KIND, 'ec-1', db.loader('ec-1')))).toBe('v1');
      expect(db.loads).toBe(1);
    });
  });

  describe('cancellation', () => {
    it('lets a caller leave at once while the load goes on for the others', async () => {
      const { cache: sut } = await instance();
      const release = db.hold();
      const leaving = new AbortController();
      const a = sut.get(KIND, 'ec-1', db.loader('ec-1'), leaving.signal);
      const b = sut.get(KIND, 'ec-1', db.loader('ec-1'), new AbortController().signal);
      leaving.abort();
      await expect(a).rejects.toThrow(RequestCancelled);
      release();
      expect(text(await b)).toBe('v1');
    });
  });
});
