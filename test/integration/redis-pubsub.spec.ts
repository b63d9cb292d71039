import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { AppConfig } from '../../src/config/app-config.js';
import { RedisConnections } from '../../src/infrastructure/redis/redis-connections.js';
import { RedisPubSub } from '../../src/infrastructure/redis/redis-pubsub.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/ports.js';
import { PrivateRedisCluster } from '../support/redis-cluster.js';
import { TcpProxy } from '../support/tcp-proxy.js';

function redisSettings(overrides: Partial<AppConfig['redis']>): AppConfig {
  return {
    redis: {
      url: 'redis://127.0.0.1:6379',
      clusterNodes: [],
      keyPrefix: `t${randomBytes(4).toString('hex')}:`,
      commandTimeoutMs: 100,
      connectTimeoutMs: 2_000,
      ...overrides,
    },
  } as AppConfig;
}

/** A subscriber on one channel that records what it receives and how often it was told it missed messages. */
async function listen(pubsub: RedisPubSub, channel: string) {
  const received: string[] = [];
  let resubscribed = 0;
  await pubsub.subscribe(
    channel,
    (message) => received.push(message),
    () => {
      resubscribed += 1;
    },
  );
  return { received, resubscribed: () => resubscribed };
}

/** Publishes until the subscriber has the message: a publish before the SUBSCRIBE lands reaches nobody. */
async function delivered(publish: () => Promise<unknown>, received: string[], message: string) {
  return eventually(
    async () => {
      if (!received.includes(message)) await publish();
      return received.includes(message);
    },
    20_000,
    100,
  );
}

describe(RedisPubSub.name, () => {
  const publisher = new Redis('redis://127.0.0.1:6379');
  const channel = `t${randomBytes(4).toString('hex')}:channel`;

  afterAll(() => publisher.disconnect());

  describe('with Redis unreachable at start, behind a proxy', () => {
    let proxy: TcpProxy;
    let connections: RedisConnections;

    beforeAll(async () => {
      proxy = await TcpProxy.start(await freePort(), { host: '127.0.0.1', port: 6379 });
      await proxy.cut();
      connections = new RedisConnections(redisSettings({ url: `redis://127.0.0.1:${proxy.port}` }));
    });

    afterAll(async () => {
      await connections.onApplicationShutdown();
      await proxy.close();
    });

    it('returns from subscribe at once, subscribes when Redis comes, and tells the subscriber it missed messages', async () => {
      const sut = new RedisPubSub(connections);
      const { received, resubscribed } = await listen(sut, channel);
      // The subscriber connection's first attempt has been refused (it now waits to retry).
      expect(await eventually(() => connections.subscriber('subscriber').status === 'reconnecting')).toBe(
        true,
      );
      expect(resubscribed()).toBe(0);

      await proxy.restore();

      expect(await delivered(() => publisher.publish(channel, 'first'), received, 'first')).toBe(true);
      expect(resubscribed()).toBe(1);
    });

    it('subscribes again after each outage and tells the subscriber each time', async () => {
      const sut = new RedisPubSub(connections);
      const { received, resubscribed } = await listen(sut, `${channel}:2`);
      expect(await delivered(() => publisher.publish(`${channel}:2`, 'before'), received, 'before')).toBe(
        true,
      );
      const before = resubscribed();

      for (let outage = 1; outage <= 2; outage++) {
        await proxy.cut();
        await proxy.restore();
        const message = `after outage ${outage}`;
        expect(await delivered(() => publisher.publish(`${channel}:2`, message), received, message)).toBe(
          true,
        );
        expect(await eventually(() => resubscribed() === before + outage, 10_000)).toBe(true);
      }
    });
  });

  describe('with Redis up at start', () => {
    it('subscribes without telling the subscriber it missed anything', async () => {
      const connections = new RedisConnections(redisSettings({}));
      try {
        const sut = new RedisPubSub(connections);
        const { received, resubscribed } = await listen(sut, `${channel}:3`);

        expect(await delivered(() => publisher.publish(`${channel}:3`, 'hello'), received, 'hello')).toBe(
          true,
        );
        expect(resubscribed()).toBe(0);
      } finally {
        await connections.onApplicationShutdown();
      }
    });
  });

  describe('on a Redis Cluster', () => {
    let cluster: PrivateRedisCluster;

    beforeAll(async () => {
      cluster = await PrivateRedisCluster.start(3);
    }, 60_000);

    afterAll(async () => {
      await cluster?.stop();
    });

    it('subscribes and receives what another client publishes', async () => {
      const connections = new RedisConnections(
        redisSettings({
          clusterNodes: cluster.seeds.map((seed) => {
            const [host, port] = seed.split(':');
            return { host, port: Number(port) };
          }),
        }),
      );
      const clusterPublisher = cluster.client();
      try {
        const sut = new RedisPubSub(connections);
        const { received, resubscribed } = await listen(sut, `${channel}:cluster`);

        expect(
          await delivered(() => clusterPublisher.publish(`${channel}:cluster`, 'hi'), received, 'hi'),
        ).toBe(true);
        expect(resubscribed()).toBe(0);
      } finally {
        clusterPublisher.disconnect();
        await connections.onApplicationShutdown();
      }
    });
  });
});
