import type { L2Store } from '../../src/tiered-cache/tiers/l2-store.js';

export interface L2StoreUnderTest {
  store: L2Store;
  /** Prefix of every key the suite writes (the store under test may share its server). */
  prefix: string;
  cleanup(): Promise<void>;
}

/**
 * What every L2 store must do, run against the in-memory fake (unit) and RedisKeyvStore on a
 * real Redis (integration), so the fake the engine's unit tests rely on cannot drift from Redis.
 */
export function describeL2StoreContract(name: string, open: () => Promise<L2StoreUnderTest>) {
  describe(`${name} (L2 store contract)`, () => {
    let sut: L2Store;
    let key: (name: string) => string;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      const opened = await open();
      sut = opened.store;
      key = (k) => `${opened.prefix}${k}`;
      cleanup = opened.cleanup;
    });
    afterEach(() => cleanup());

    const bytes = (text: string) => Buffer.from(text, 'latin1');
    const read = async (k: string) => (await sut.get(key(k)))?.value.toString('latin1');

    it('answers undefined for an absent key, and binary values exactly as written', async () => {
      expect(await sut.get(key('absent'))).toBeUndefined();
      const value = Buffer.from([0, 255, 1, 128, 10, 13]);
      await sut.set(key('bin'), { value });
      expect(Buffer.compare((await sut.get(key('bin')))?.value ?? Buffer.alloc(0), value)).toBe(0);
      expect(await sut.has(key('bin'))).toBe(true);
      expect(await sut.delete(key('bin'))).toBe(true);
      expect(await sut.has(key('bin'))).toBe(false);
    });

    it('expires a value by its TTL in milliseconds', async () => {
      await sut.set(key('ttl'), { value: bytes('v') }, 60_000);
      const ttl = await sut.pttl(key('ttl'));
      expect(ttl).toBeGreaterThan(59_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await sut.pttl(key('absent'))).toBe(-2);
    });

    it('writes conditionally on the first bytes of what the key holds ("" = absent)', async () => {
      expect(await sut.setIfPrefix(key('c'), 4, 'RC1a', bytes('RC1b-x'), 60_000)).toBe(false);
      expect(await sut.get(key('c'))).toBeUndefined();
      expect(await sut.setIfPrefix(key('c'), 4, '', bytes('RC1a-first'), 60_000)).toBe(true);
      expect(await sut.setIfPrefix(key('c'), 4, '', bytes('RC1z-lost'), 60_000)).toBe(false);
      expect(await sut.setIfPrefix(key('c'), 4, 'RC1a', bytes('RC1b-second'), 60_000)).toBe(true);
      expect(await read('c')).toBe('RC1b-second');
      expect(await sut.pttl(key('c'))).toBeGreaterThan(0);
    });

    it('replaces many keys, counting those that held the marker, and expires the replacements', async () => {
      await sut.set(key('entry'), { value: bytes('RC1aE-payload') });
      await sut.set(key('tomb'), { value: bytes('RC1aT') });
      const replaced = await sut.replaceManyReporting(
        [key('entry'), key('tomb'), key('absent')],
        bytes('RC1bT'),
        60_000,
        4,
        'E',
      );
      expect(replaced).toBe(1);
      for (const k of ['entry', 'tomb', 'absent']) {
        expect(await read(k)).toBe('RC1bT');
        expect(await sut.pttl(key(k))).toBeGreaterThan(0);
      }
    });

    it('gives a lock to one owner, renews and releases it for that owner only', async () => {
      expect(await sut.tryLock(key('lock'), 'a', 10_000)).toBe(true);
      expect(await sut.tryLock(key('lock'), 'b', 10_000)).toBe(false);
      expect(await sut.renewLock(key('lock'), 'b', 60_000)).toBe(false);
      expect(await sut.renewLock(key('lock'), 'a', 60_000)).toBe(true);
      expect(await sut.pttl(key('lock'))).toBeGreaterThan(10_000);
      await sut.unlock(key('lock'), 'b');
      expect(await sut.exists(key('lock'))).toBe(true);
      await sut.unlock(key('lock'), 'a');
      expect(await sut.exists(key('lock'))).toBe(false);
      expect(await sut.renewLock(key('lock'), 'a', 60_000)).toBe(false);
    });

    it('counts generations from zero', async () => {
      expect(await sut.readInteger(key('gen'))).toBe(0);
      expect(await sut.increment(key('gen'))).toBe(1);
      expect(await sut.increment(key('gen'))).toBe(2);
      expect(await sut.readInteger(key('gen'))).toBe(2);
    });

    it('counts and unlinks the keys matching a pattern, and only those', async () => {
      for (let i = 0; i < 25; i++) await sut.set(key(`ns:${i}`), { value: bytes('x') });
      await sut.set(key('other:1'), { value: bytes('x') });
      expect(await sut.countMatching(key('ns:*'))).toBe(25);
      expect(await sut.unlinkMatching(key('ns:*'))).toBe(25);
      expect(await sut.countMatching(key('ns:*'))).toBe(0);
      expect(await sut.has(key('other:1'))).toBe(true);
    });
  });
}
