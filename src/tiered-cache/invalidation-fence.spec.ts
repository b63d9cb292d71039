import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FakeClock } from '../../test/support/fakes/fake-clock.js';
import type { CacheEntry } from './cache-entry.js';
import { InvalidationFence } from './invalidation-fence.js';

const entryOf = (generation: number) => ({ generation }) as Pick<CacheEntry, 'generation'> as CacheEntry;

/** A full collection, so heap figures compare live objects only. */
function collectGarbage() {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe(InvalidationFence.name, () => {
  let clock: FakeClock;
  beforeEach(() => {
    clock = new FakeClock();
  });

  describe('end', () => {
    it('keeps a load nothing invalidated', () => {
      const sut = new InvalidationFence(clock);
      expect(sut.end(sut.begin('ns', 'k'))).toBe(true);
    });

    it('fences a load whose key was invalidated while it ran, and only that key', () => {
      const sut = new InvalidationFence(clock);
      const hit = sut.begin('ns', 'k');
      const other = sut.begin('ns', 'other');
      sut.invalidateKey('k');
      expect(sut.end(hit)).toBe(false);
      expect(sut.end(other)).toBe(true);
    });

    it('does not fence a load that starts after the invalidation', () => {
      const sut = new InvalidationFence(clock);
      sut.invalidateKey('k');
      expect(sut.end(sut.begin('ns', 'k'))).toBe(true);
    });

    it('fences loads of a namespace whose generation moved on, and every load after a new epoch', () => {
      const sut = new InvalidationFence(clock);
      const bumped = sut.begin('ns', 'a');
      const elsewhere = sut.begin('other', 'b');
      sut.learnGeneration('ns', 1);
      expect(sut.end(bumped)).toBe(false);
      expect(sut.end(elsewhere)).toBe(true);

      const before = sut.begin('other', 'c');
      sut.invalidateEverything();
      expect(sut.end(before)).toBe(false);
    });
  });

  describe('isCurrent', () => {
    it('learns a newer generation from an entry another instance wrote, and tells', () => {
      const learned: string[] = [];
      const sut = new InvalidationFence(clock, (namespace) => learned.push(namespace));
      expect(sut.isCurrent('ns', entryOf(2))).toBe(true);
      expect(sut.isCurrent('ns', entryOf(1))).toBe(false);
      expect(learned).toEqual(['ns']);
      expect(sut.lastChange('ns')).toEqual({ generation: 2, changedAt: clock.now() });
    });
  });

  describe('memory', () => {
    it('holds nothing for keys without a load in flight, however many were invalidated', () => {
      const sut = new InvalidationFence(clock);
      const running = sut.begin('ns', 'id-7');
      collectGarbage();
      const before = process.memoryUsage().heapUsed;

      for (let i = 0; i < 1_000_000; i++) sut.invalidateKey(`prefix:coverage_rules:id-${i}`);
      collectGarbage();
      const grownMiB = (process.memoryUsage().heapUsed - before) / 1024 / 1024;

      expect(sut.trackedKeys).toBe(1);
      expect(grownMiB).toBeLessThan(4);
      expect(sut.end(running)).toBe(true); // 'id-7' is not 'prefix:coverage_rules:id-7'
      expect(sut.trackedKeys).toBe(0);
    });
  });
});
