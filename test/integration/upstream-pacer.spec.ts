import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { AppConfig } from '../../src/config/app-config.js';
import type { RedisConnections } from '../../src/infrastructure/redis/redis-connections.js';
import type { PrecacheMetrics } from '../../src/platform/metrics/precache.metrics.js';
import { PACING_SHARE, UpstreamPacer } from '../../src/precache/upstream-pacer.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Two workers' pacers on one real Redis: together they never let more than the limit out in a second. */
describe('UpstreamPacer (integration, real Redis)', () => {
  const prefix = `t-pacer-${randomBytes(4).toString('hex')}:`;
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const pacer = () =>
    new UpstreamPacer(
      { dedicated: () => redis, keyPrefix: prefix } as unknown as RedisConnections,
      { upstreamWaited: jest.fn() } as unknown as PrecacheMetrics,
      { precache: { maxJobsPerSecond: 50 } } as unknown as AppConfig,
    );

  it('spaces 700 concurrent requests from two workers within 300 a second', async () => {
    const [a, b] = [pacer(), pacer()];
    const origin = performance.now();
    const granted = await Promise.all(
      Array.from({ length: 700 }, async (_, i) => {
        await (i % 2 === 0 ? a : b).turn();
        return performance.now() - origin;
      }),
    );

    granted.sort((x, y) => x - y);
    let busiest = 0;
    for (let start = 0, end = 0; end < granted.length; end++) {
      while (granted[end] - granted[start] >= 1000) start++;
      busiest = Math.max(busiest, end - start + 1);
    }
    expect(busiest).toBeLessThanOrEqual(300);
    // Paced, not merely throttled: the last turn comes about 700 intervals after the first.
    const interval = 1000 / (300 * PACING_SHARE);
    expect(granted.at(-1)! - granted[0]).toBeGreaterThan(650 * interval);
  });

  it('stops waiting when the job is cancelled', async () => {
    const sut = pacer();
    // A second's worth of turns reserved ahead of it: the next one has about a second to wait.
    const ahead = Array.from({ length: 300 }, () => sut.turn());
    await new Promise((r) => setTimeout(r, 100));
    const controller = new AbortController();
    const waiting = sut.turn(controller.signal);
    controller.abort(new Error('job cancelled'));
    await expect(waiting).rejects.toThrow('job cancelled');
    await Promise.all(ahead);
  });
});
