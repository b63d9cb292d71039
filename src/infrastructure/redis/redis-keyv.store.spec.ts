import type { RedisClient } from './redis-client.factory.js';
import { RedisKeyvStore } from './redis-keyv.store.js';

/** One server whose SCAN returns `keys` at once and whose UNLINK fails `failures` times per key. */
function fakeRedis(keys: string[], failures: Record<string, number>) {
  const attempts: string[] = [];
  const node = {
    scan: async () => ['0', keys] as [string, string[]],
    pipeline() {
      const queued: string[] = [];
      const pipeline = {
        unlink(key: string) {
          queued.push(key);
          return pipeline;
        },
        exec: async () =>
          queued.map((key) => {
            attempts.push(key);
            if ((failures[key] ?? 0) > 0) {
              failures[key] -= 1;
              return [new Error('Command timed out'), null];
            }
            return [null, 1];
          }),
      };
      return pipeline;
    },
  };
  return { client: node as unknown as RedisClient, attempts };
}

describe(RedisKeyvStore.name, () => {
  describe('unlinkMatching', () => {
    it('unlinks every key a SCAN finds and counts them', async () => {
      const { client } = fakeRedis(['p:a', 'p:b', 'p:c'], {});
      const sut = new RedisKeyvStore(client, 'p:*');

      expect(await sut.unlinkMatching('p:*')).toBe(3);
    });

    it('tries a key whose UNLINK failed once more, and counts it when that works', async () => {
      const { client, attempts } = fakeRedis(['p:a', 'p:b'], { 'p:b': 1 });
      const sut = new RedisKeyvStore(client, 'p:*');

      expect(await sut.unlinkMatching('p:*')).toBe(2);
      expect(attempts).toEqual(['p:a', 'p:b', 'p:b']);
    });

    it('throws rather than report a smaller count when a key still cannot be unlinked', async () => {
      const { client } = fakeRedis(['p:a', 'p:b'], { 'p:b': 2 });
      const sut = new RedisKeyvStore(client, 'p:*');

      await expect(sut.unlinkMatching('p:*')).rejects.toThrow('1 keys could not be unlinked');
    });

    it('scans and unlinks on the bulk connection when one is given', async () => {
      const hot = fakeRedis([], {});
      const bulk = fakeRedis(['p:a'], {});
      const sut = new RedisKeyvStore(hot.client, 'p:*', bulk.client);

      expect(await sut.unlinkMatching('p:*')).toBe(1);
      expect(bulk.attempts).toEqual(['p:a']);
    });
  });
});
