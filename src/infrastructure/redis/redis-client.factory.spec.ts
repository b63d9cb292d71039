import type { Redis, RedisOptions } from 'ioredis';
import type { AppConfig } from '../../config/app-config.js';
import { bullmqConnection, createRedisClient } from './redis-client.factory.js';

const SETTINGS: AppConfig['redis'] = {
  // Nothing listens there: the clients are only built and inspected.
  url: 'redis://127.0.0.1:1',
  clusterNodes: [],
  keyPrefix: 't:',
  commandTimeoutMs: 100,
  connectTimeoutMs: 2_000,
};

describe(createRedisClient.name, () => {
  const clients: Redis[] = [];
  const build = (failFast: boolean, subscriber?: boolean) => {
    const client = createRedisClient(SETTINGS, { name: 't', failFast, subscriber }) as Redis;
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };
  afterAll(() => {
    for (const client of clients) client.disconnect();
  });

  it('gives a fail-fast client no offline queue, the short timeout, and no ready check under that timeout', () => {
    const { options } = build(true);
    expect(options.enableOfflineQueue).toBe(false);
    expect(options.commandTimeout).toBe(100);
    expect(options.enableReadyCheck).toBe(false);
  });

  it('leaves a waiting client (subscriber, blocking reads) its offline queue and ready check', () => {
    const { options } = build(false);
    expect(options.enableOfflineQueue).toBe(true);
    expect(options.commandTimeout).toBeUndefined();
    expect(options.enableReadyCheck).toBe(true);
  });

  it('gives a subscriber no offline queue, no automatic resubscribe, and a bounded ready check', () => {
    const { options } = build(false, true);
    expect(options.enableOfflineQueue).toBe(false);
    expect(options.autoResubscribe).toBe(false);
    expect(options.enableReadyCheck).toBe(true);
    expect(options.commandTimeout).toBe(SETTINGS.connectTimeoutMs);
  });

  describe('BullMQ connections', () => {
    it('reconnect at least every 2 s, like every other connection', () => {
      const { retryStrategy } = bullmqConnection(SETTINGS, 't') as RedisOptions;
      expect([1, 5, 10, 30].map((attempt) => retryStrategy?.(attempt))).toEqual([100, 1_600, 2_000, 2_000]);
    });
  });
});
