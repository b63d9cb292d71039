import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { RulesLoadPool } from '../../src/rules/load/rules-load.pool.js';
import { RulesCache } from '../../src/rules-cache/rules-cache.js';
import { rulesCacheKeys } from '../../src/rules-cache/rules-cache-keys.js';
import { eventually } from '../support/eventually.js';
import { holdNextCoverageLoad } from '../support/held-load.js';
import { globalStatus } from '../support/mariadb.js';
import { freePort } from '../support/ports.js';
import { seededTestDatabase } from '../support/seeded-mariadb.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { type TestApp } from '../support/test-app.js';
import { TestApps } from '../support/test-apps.js';

const TTL_SECONDS = 600;

/** Counts the coverage loads one app sends to the database (the "in the repository" count). */
function countLoads(app: TestApp) {
  return jest.spyOn(app.app.get(RulesLoadPool), 'loadCoverageRules');
}

const SLOW_DEADLINE_MS = 60_000;

describe('rules cache on real Redis and MariaDB', () => {
  let database: Awaited<ReturnType<typeof seededTestDatabase>>;
  const apps = new TestApps(() => ({ DATABASE_URL: database.url }));
  const redis = new Redis('redis://127.0.0.1:6379');
  const start = (env: Record<string, string> = {}) => apps.start(env);
  const prefix = () => `t${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    database = await seededTestDatabase('rules_cache', 160);
  }, 60_000);

  afterEach(async () => {
    jest.restoreAllMocks();
    await apps.closeAll();
  });

  afterAll(async () => {
    redis.disconnect();
    await database?.drop();
  });

  it('stores L2 entries with a TTL inside ±10% of RULES_CACHE_TTL_SECONDS, jittered per entry', async () => {
    const { app, client } = await start({ RULES_CACHE_TTL_SECONDS: String(TTL_SECONDS) });
    const ids = Array.from({ length: 20 }, (_, i) => `ec-${String(i + 3).padStart(4, '0')}`);
    for (const id of ids) expect((await client.getCoverageRules(id)).code).toBe(status.OK);

    const ttls = await Promise.all(
      ids.map((id) => redis.pttl(rulesCacheKeys(app.config.redis.keyPrefix).entry('coverage_rules', id))),
    );
    for (const ttl of ttls) {
      expect(ttl).toBeGreaterThan(TTL_SECONDS * 900 - 5_000);
      expect(ttl).toBeLessThanOrEqual(TTL_SECONDS * 1100);
    }
    expect(new Set(ttls.map((t) => Math.round(t / 1000))).size).toBeGreaterThan(5);
  });

  it('answers 200 concurrent cold requests with one database load (repository and MariaDB counters)', async () => {
    const { app, client } = await start();
    const loads = countLoads(app);
    const selectsBefore = await globalStatus('Com_select');

    // 200 answers of ~300 KB share one HTTP/2 connection and all finish together, after the client
    // has decoded every one: seconds on a slow 2-core machine. The deadline is not what is tested.
    const results = await Promise.all(
      Array.from({ length: 200 }, () => client.getCoverageRules('ec-0002', SLOW_DEADLINE_MS)),
    );

    const selects = (await globalStatus('Com_select')) - selectsBefore;
    expect(results.every((r) => r.code === status.OK && r.response?.benefitContracts?.length === 3_351)).toBe(
      true,
    );
    expect(loads).toHaveBeenCalledTimes(1);
    // One coverage load is 4 SELECTs (channel, contracts page, prefixes page, provisioning).
    expect(selects).toBeGreaterThanOrEqual(4);
    expect(selects).toBeLessThan(8);
  });

  it('makes two instances load a cold key once between them, however long the holder’s load takes', async () => {
    const shared = prefix();
    const a = await start({ REDIS_KEY_PREFIX: shared });
    const b = await start({ REDIS_KEY_PREFIX: shared });
    const { release, read } = holdNextCoverageLoad(a.app.app.get(RulesLoadPool));
    const loadsA = countLoads(a.app);
    const loadsB = countLoads(b.app);

    const holder = a.client.getCoverageRules('ec-0050', SLOW_DEADLINE_MS);
    await read; // the first instance holds the key's lease and has read the database
    const others = Array.from({ length: 100 }, (_, i) =>
      (i % 2 ? a.client : b.client).getCoverageRules('ec-0050', SLOW_DEADLINE_MS),
    );
    await new Promise((r) => setTimeout(r, 2_500)); // longer than the fixed 2 s wait the lease replaced
    release();
    const results = await Promise.all([holder, ...others]);

    expect(results.every((r) => r.code === status.OK)).toBe(true);
    expect(loadsA.mock.calls.length + loadsB.mock.calls.length).toBe(1);
  });

  it('lets exactly one instance take over the lease of a holder that died', async () => {
    const shared = prefix();
    const a = await start({ REDIS_KEY_PREFIX: shared });
    const b = await start({ REDIS_KEY_PREFIX: shared });
    const loadsA = countLoads(a.app);
    const loadsB = countLoads(b.app);
    const keys = rulesCacheKeys(shared);
    const leaseKey = keys.lease(keys.entry('coverage_rules', 'ec-0051'));
    // What a holder killed mid-load leaves behind: its lease, renewed by nobody.
    await redis.set(leaseKey, 'killed-holder', 'PX', 1_500);

    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        (i % 2 ? a.client : b.client).getCoverageRules('ec-0051', SLOW_DEADLINE_MS),
      ),
    );

    expect(results.every((r) => r.code === status.OK)).toBe(true);
    expect(loadsA.mock.calls.length + loadsB.mock.calls.length).toBe(1);
    expect(await redis.exists(leaseKey)).toBe(0);
  });

  it('never writes back a slow load that an invalidation overtook: the next read has the new data', async () => {
    const { app, client } = await start();
    const { release, read } = holdNextCoverageLoad(app.app.get(RulesLoadPool));

    const slow = client.getCoverageRules('ec-0004');
    await read;
    await database.db
      .updateTable('enrollment_channel')
      .set({ name: 'Renamed by the replicator' })
      .where('id', '=', 'ec-0004')
      .execute();
    await app.app.get(RulesCache).invalidateChannels('coverage_rules', ['ec-0004']);
    release();
    expect((await slow).code).toBe(status.OK);

    const next = await client.getCoverageRules('ec-0004');
    expect((next.response?.enrollmentChannel as { name: string } | undefined)?.name).toBe(
      'Renamed by the replicator',
    );
  });

  it('serves stale entries within grace while the database is down, UNAVAILABLE for what it never cached', async () => {
    const proxy = await TcpProxy.start(await freePort(), { host: '127.0.0.1', port: 3306 });
    try {
      const { client } = await start({
        DATABASE_URL: database.url.replace('127.0.0.1:3306', `127.0.0.1:${proxy.port}`),
        DATABASE_QUERY_TIMEOUT_MS: '1000',
        RULES_CACHE_TTL_SECONDS: '1',
        RULES_CACHE_GRACE_SECONDS: '300',
      });
      const before = await client.getCoverageRules('ec-0005');
      expect(before.code).toBe(status.OK);
      await new Promise((r) => setTimeout(r, 1_300)); // expired: only grace can answer now

      await proxy.cut();
      const during = await client.getCoverageRules('ec-0005');
      expect(during.code).toBe(status.OK);
      expect(during.response).toEqual(before.response);
      expect((await client.getCoverageRules('ec-0006', 5_000)).code).toBe(status.UNAVAILABLE);
    } finally {
      await proxy.close();
    }
  });

  it('caches NOT_FOUND briefly, so unknown ids cannot hammer the database', async () => {
    const { app, client } = await start({ RULES_CACHE_NEGATIVE_TTL_SECONDS: '1' });
    const loads = countLoads(app);
    expect((await client.getCoverageRules('ec-7777')).code).toBe(status.NOT_FOUND);
    expect((await client.getCoverageRules('ec-7777')).code).toBe(status.NOT_FOUND);
    expect(loads).toHaveBeenCalledTimes(1);

    await database.db
      .insertInto('enrollment_channel')
      .values({ id: 'ec-7777', name: 'Late arrival', is_active: 1, updated_at: '2026-01-01 00:00:00.000' })
      .execute();
    expect(
      await eventually(async () => (await client.getCoverageRules('ec-7777')).code === status.OK, 5_000),
    ).toBe(true);
    expect(loads).toHaveBeenCalledTimes(2);
  });

  it('keeps L1 within its byte bound', async () => {
    const { app, client } = await start({ RULES_CACHE_L1_MAX_MB: '1' });
    for (const id of ['ec-0002', 'ec-0050', 'ec-0100', 'ec-0150', 'ec-0001', 'ec-0003']) {
      expect((await client.getCoverageRules(id)).code).toBe(status.OK);
    }
    const { bytes, entries } = app.app.get(RulesCache).l1Size;
    expect(bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(entries).toBeGreaterThan(0);
    const metrics = await (await fetch(`${app.httpUrl}/metrics`)).text();
    const gauge = Number(/^rules_cache_l1_bytes (\d+)/m.exec(metrics)?.[1]);
    expect(gauge).toBeLessThanOrEqual(1024 * 1024);
  });
});
