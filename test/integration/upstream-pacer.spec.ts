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

  const metrics = () => ({ upstreamWaited: jest.fn(), upstreamTurnRetaken: jest.fn() });
  const pacer = (recorded = metrics()) =>
    new UpstreamPacer(
      { dedicated: () => redis, keyPrefix: prefix } as unknown as RedisConnections,
      recorded as unknown as PrecacheMetrics,
      { precache: { maxJobsPerSecond: 50 } } as unknown as AppConfig,
    );

  /** Blocks this process's event loop, as a GC pause or a busy core would. */
  const stall = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };

  /** The most send times inside any one-second span. */
  const busiestSecond = (times: number[]) => {
    const sorted = [...times].sort((x, y) => x - y);
    let busiest = 0;
    for (let start = 0, end = 0; end < sorted.length; end++) {
      while (sorted[end] - sorted[start] >= 1000) start++;
      busiest = Math.max(busiest, end - start + 1);
    }
    return busiest;
  };

  /** Jobs of six requests from alternating pacers; resolves to each request's send time. */
  const sendJobs = (pacers: UpstreamPacer[], jobs: number, origin: number) =>
    Promise.all(
      Array.from({ length: jobs }, async (_, i) => {
        const turns = await pacers[i % pacers.length].reserve(6);
        return Promise.all(
          turns.map(async (turn) => {
            await turn.wait();
            return performance.now() - origin;
          }),
        );
      }),
    ).then((perJob) => perJob.flat());

  it('spaces 702 requests from two workers within 300 a second, one reservation per job', async () => {
    const origin = performance.now();
    const sent = await sendJobs([pacer(), pacer()], 117, origin);

    expect(busiestSecond(sent)).toBeLessThanOrEqual(300);
    // Paced, not merely throttled: the last send comes about 700 intervals after the first.
    const interval = 1000 / (300 * PACING_SHARE);
    expect(Math.max(...sent) - Math.min(...sent)).toBeGreaterThan(650 * interval);
  });

  it('keeps within the limit through a stall: requests that woke late take new turns instead of crowding a second', async () => {
    const recorded = metrics();
    const origin = performance.now();
    const sending = sendJobs([pacer(recorded), pacer(recorded)], 117, origin);
    // A 300 ms stall while turns are due: without retaking, its ~80 requests would leave at once
    // when it ends, on top of the next second's even share of 270.
    await new Promise((r) => setTimeout(r, 500));
    stall(300);
    const sent = await sending;

    expect(sent).toHaveLength(702);
    expect(busiestSecond(sent)).toBeLessThanOrEqual(300);
    expect(recorded.upstreamTurnRetaken.mock.calls.length).toBeGreaterThan(0);
  });

  it('stops waiting when the job is cancelled', async () => {
    const sut = pacer();
    // A second's worth of turns reserved ahead of it: the next one has about a second to wait.
    const ahead = await sut.reserve(300);
    const [turn] = await sut.reserve(1);
    const controller = new AbortController();
    const waiting = turn.wait(controller.signal);
    controller.abort(new Error('job cancelled'));
    await expect(waiting).rejects.toThrow('job cancelled');
    await Promise.all(ahead.map((t) => t.wait()));
  });
});
