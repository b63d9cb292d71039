import { createCache } from 'cache-manager';
import type { AppConfig } from '../config/app-config.js';
import { DependencyUnavailable } from '../platform/errors/domain-errors.js';
import { FeatureFlags } from './feature-flags.service.js';
import type { FlipperStore } from './flipper-store.js';

class FakeStore {
  reads = 0;
  hashValue: Record<string, string> = {};
  failing = false;
  async hash(): Promise<Record<string, string>> {
    this.reads += 1;
    await new Promise((r) => setImmediate(r));
    if (this.failing) throw new Error('redis down');
    return { ...this.hashValue };
  }
}

function build(cacheTtlMs: number) {
  const store = new FakeStore();
  const config = { featureFlags: { cacheTtlMs, redisKeyPrefix: '' } } as unknown as AppConfig;
  return { store, sut: new FeatureFlags(store as unknown as FlipperStore, config, createCache()) };
}

describe(FeatureFlags.name, () => {
  afterEach(() => jest.useRealTimers());

  describe('isEnabled', () => {
    it('reads Redis once per cache period, however many checks', async () => {
      const { store, sut } = build(5_000);
      store.hashValue = { boolean: 'true' };
      for (let i = 0; i < 100; i++) expect(await sut.isEnabled('f', `u${i}`)).toBe(true);
      expect(store.reads).toBe(1);
    });

    it('shares one read between concurrent checks', async () => {
      const { store, sut } = build(5_000);
      await Promise.all(Array.from({ length: 20 }, () => sut.isEnabled('f', 'u')));
      expect(store.reads).toBe(1);
    });

    it('sees a change once the cache period has passed', async () => {
      jest.useFakeTimers({ doNotFake: ['setImmediate'] });
      const { store, sut } = build(5_000);
      expect(await sut.isEnabled('f', 'u')).toBe(false);
      store.hashValue = { boolean: 'true' };
      jest.advanceTimersByTime(4_999);
      expect(await sut.isEnabled('f', 'u')).toBe(false);
      jest.advanceTimersByTime(2);
      expect(await sut.isEnabled('f', 'u')).toBe(true);
    });

    it('reads every time when the cache is off', async () => {
      const { store, sut } = build(0);
      await sut.isEnabled('f', 'u');
      await sut.isEnabled('f', 'u');
      expect(store.reads).toBe(2);
    });

    it('throws DependencyUnavailable when the store cannot be read, and caches nothing', async () => {
      const { store, sut } = build(5_000);
      store.failing = true;
      await expect(sut.isEnabled('f', 'u')).rejects.toBeInstanceOf(DependencyUnavailable);
      store.failing = false;
      store.hashValue = { boolean: 'true' };
      expect(await sut.isEnabled('f', 'u')).toBe(true);
    });
  });

  describe('when the store cannot be read', () => {
    it('answers with the gates last read, even with the cache off', async () => {
      const { store, sut } = build(0);
      store.hashValue = { boolean: 'true' };
      expect(await sut.isEnabled('f', 'u')).toBe(true);
      store.failing = true;
      expect(await sut.isEnabled('f', 'u')).toBe(true);
    });

    it('reads the store again on the next check, and follows it once it answers', async () => {
      const { store, sut } = build(0);
      store.hashValue = { boolean: 'true' };
      await sut.isEnabled('f', 'u');
      store.failing = true;
      await sut.isEnabled('f', 'u');
      store.failing = false;
      store.hashValue = {};
      expect(await sut.isEnabled('f', 'u')).toBe(false);
      expect(store.reads).toBe(3);
    });

    it('gives up on gates read more than 15 minutes ago', async () => {
      jest.useFakeTimers({ doNotFake: ['setImmediate'] });
      const { store, sut } = build(0);
      store.hashValue = { boolean: 'true' };
      await sut.isEnabled('f', 'u');
      store.failing = true;
      jest.advanceTimersByTime(15 * 60_000);
      expect(await sut.isEnabled('f', 'u')).toBe(true);
      jest.advanceTimersByTime(1);
      await expect(sut.isEnabled('f', 'u')).rejects.toBeInstanceOf(DependencyUnavailable);
    });
  });

  describe('forget', () => {
    it('makes the next check read the store again', async () => {
      const { store, sut } = build(5_000);
      await sut.isEnabled('f', 'u');
      await sut.forget('f');
      await sut.isEnabled('f', 'u');
      expect(store.reads).toBe(2);
    });
  });
});
