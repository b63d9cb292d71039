import { status } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { RulesLoadPool } from '../../src/rules/load/rules-load.pool.js';
import { rulesCacheKeys } from '../../src/rules-cache/rules-cache-keys.js';
import { type RulesClient, rulesClient } from '../support/grpc-client.js';
import { seededTestDatabase } from '../support/seeded-mariadb.js';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app.js';

/** The admin cache API against real Redis and MariaDB. */
describe('admin cache API', () => {
  let database: Awaited<ReturnType<typeof seededTestDatabase>>;
  let sut: TestApp;
  let client: RulesClient;
  const redis = new Redis('redis://127.0.0.1:6379');

  const admin = (path: string, body?: unknown) =>
    fetch(`${sut.httpUrl}${path}`, {
      method: body === undefined && path.endsWith('stats') ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const key = (kind: 'coverage_rules' | 'population_membership_rules', id: string) =>
    rulesCacheKeys(sut.config.redis.keyPrefix).entry(kind, id);
  const warm = async (ids: string[]) => {
    for (const id of ids) {
      expect((await client.getCoverageRules(id)).code).toBe(status.OK);
      expect((await client.getPopulationMembershipRules(id)).code).toBe(status.OK);
    }
  };

  beforeAll(async () => {
    database = await seededTestDatabase('admin_cache', 20);
    sut = await startTestApp({ DATABASE_URL: database.url });
    client = rulesClient(sut.grpcAddress);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await sut?.close();
    const keys = await redis.keys(`${sut.config.redis.keyPrefix}*`);
    if (keys.length) await redis.unlink(...keys);
    redis.disconnect();
    await database?.drop();
  });

  afterEach(() => jest.restoreAllMocks());

  it('flushes a list of channels of one kind and reports how many entries it deleted', async () => {
    await warm(['ec-0001', 'ec-0002', 'ec-0003']);
    const response = await admin('/admin/cache/flush', {
      kind: 'coverage_rules',
      enrollmentChannelIds: ['ec-0001', 'ec-0002', 'ec-0019'],
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ deleted: 2 });
    const loads = jest.spyOn(sut.app.get(RulesLoadPool), 'loadCoverageRules');
    await client.getCoverageRules('ec-0001');
    await client.getCoverageRules('ec-0003');
    expect(loads).toHaveBeenCalledTimes(1); // ec-0001 reloaded, ec-0003 still cached
    expect(await redis.exists(key('population_membership_rules', 'ec-0001'))).toBe(1);
  });

  it('flushes one whole kind, leaving the other', async () => {
    await warm(['ec-0004', 'ec-0005']);
    const response = await admin('/admin/cache/flush', { kind: 'population_membership_rules' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { deleted: number }).deleted).toBeGreaterThanOrEqual(2);
    expect(await redis.exists(key('population_membership_rules', 'ec-0004'))).toBe(0);
    expect(await redis.exists(key('coverage_rules', 'ec-0004'))).toBe(1);
  });

  it('flushes everything when asked with no body, and writes one audit line', async () => {
    await warm(['ec-0006']);
    const response = await admin('/admin/cache/flush'); // no body at all
    expect(response.status).toBe(200);
    expect(
      await redis.exists(key('coverage_rules', 'ec-0006'), key('population_membership_rules', 'ec-0006')),
    ).toBe(0);
    const audit = sut.logs.filter((l) => l.msg === 'admin action' && l.action === 'cache.flush');
    expect(audit.at(-1)).toMatchObject({
      channels: 'all',
      kinds: ['coverage_rules', 'population_membership_rules'],
    });
    expect(typeof audit.at(-1)?.deleted).toBe('number');
  });

  it('refuses a malformed flush with a 400 naming the field, deleting nothing', async () => {
    await warm(['ec-0007']);
    for (const [body, field] of [
      [{ kind: 'everything' }, /^kind: /],
      [{ enrollmentChannelIds: 'ec-0007' }, /^enrollmentChannelIds: /],
      [{ enrollmentChannelIds: ['ec 7'] }, /^enrollmentChannelIds: /],
      [{ surprise: 1 }, /^surprise: /],
    ] as const) {
      const response = await admin('/admin/cache/flush', body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(field);
    }
    expect(await redis.exists(key('coverage_rules', 'ec-0007'))).toBe(1);
  });

  it('reports hit rate, tier sizes, breaker state and the last sync event', async () => {
    await warm(['ec-0008']);
    await client.getCoverageRules('ec-0008');
    await fetch(`${sut.httpUrl}/v0/replicator/sync-events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${sut.config.auth.internalApiToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        table: 'sc_provisioning',
        enrollmentChannelIds: ['ec-0009'],
        syncedAt: new Date().toISOString(),
      }),
    });
    const response = await admin('/admin/cache/stats');
    expect(response.status).toBe(200);
    const stats = (await response.json()) as {
      hitRate: number;
      requests: Record<string, number>;
      l1: { entries: number };
      l2: { keys: Record<string, number> };
      breaker: string;
      lastSyncEvent: { lagSeconds: number };
      stream: Record<string, unknown>;
    };
    expect(stats.hitRate).toBeGreaterThan(0);
    expect(stats.hitRate).toBeLessThanOrEqual(1);
    expect(stats.requests.hit_l1).toBeGreaterThanOrEqual(1);
    expect(stats.l1.entries).toBeGreaterThan(0);
    expect(stats.l2.keys.coverage_rules).toBeGreaterThan(0);
    expect(stats.breaker).toBe('closed');
    expect(stats.lastSyncEvent).toMatchObject({ table: 'sc_provisioning', source: 'http' });
    expect(stats.lastSyncEvent.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(stats.stream).toMatchObject({ pending: 0, deadLetters: 0 });
  });

  it('flushes 100,000 keys by SCAN + UNLINK while a concurrent PING loop keeps being answered', async () => {
    const total = 100_000;
    const pipeline = redis.pipeline();
    for (let i = 0; i < total; i++)
      pipeline.set(key('coverage_rules', `bulk-${i}`), 'x'.repeat(64), 'EX', 600);
    await pipeline.exec();

    const pinger = new Redis('redis://127.0.0.1:6379');
    const pings: Array<{ at: number; ms: number }> = [];
    let flushing = true;
    const loop = (async () => {
      while (flushing) {
        const started = performance.now();
        await pinger.ping();
        pings.push({ at: started, ms: performance.now() - started });
      }
    })();
    const started = performance.now();
    const response = await admin('/admin/cache/flush', { kind: 'coverage_rules' });
    const finished = performance.now();
    flushing = false;
    await loop;
    pinger.disconnect();

    expect(response.status).toBe(200);
    expect(((await response.json()) as { deleted: number }).deleted).toBeGreaterThanOrEqual(total);
    expect(
      await redis.exists(key('coverage_rules', 'bulk-0'), key('coverage_rules', `bulk-${total - 1}`)),
    ).toBe(0);
    // Answered throughout: PINGs completed in every quarter of the flush (never blocked behind one long command).
    const quarter = (finished - started) / 4;
    for (let q = 0; q < 4; q++) {
      expect(pings.some((p) => p.at >= started + q * quarter && p.at < started + (q + 1) * quarter)).toBe(
        true,
      );
    }
  }, 60_000);
});
