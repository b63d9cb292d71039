import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { Cache } from 'cache-manager';
import { type Cluster, Redis } from 'ioredis';
import { queueKeyPrefix } from '../../src/infrastructure/queue/queue-keys.js';
import type { RedisKeyvStore } from '../../src/infrastructure/redis/redis-keyv.store.js';
import { PRECACHE_QUEUE } from '../../src/precache/precache-job.js';
import { RulesLoadPool } from '../../src/rules/load/rules-load.pool.js';
import { rulesCacheKeys } from '../../src/rules-cache/rules-cache-keys.js';
import { newToken } from '../../src/tiered-cache/cache-entry.js';
import { ENTRY_MARKER, EnvelopeCodec } from '../../src/tiered-cache/tiers/l2-envelope.js';
import type { UhdSimulator } from '../../src/tools/uhd-simulator/uhd-simulator.js';
import { eventually } from '../support/eventually.js';
import { type RulesClient } from '../support/grpc-client.js';
import { holdNextCoverageLoad } from '../support/held-load.js';
import {
  PRECACHE_FLAG,
  precacheEnv,
  setFeature,
  signIn,
  startSimulator,
  testUser,
} from '../support/precache.js';
import { PrivateRedisCluster } from '../support/redis-cluster.js';
import { seededTestDatabase } from '../support/seeded-mariadb.js';
import { addSyncEvent, pendingEntries } from '../support/sync-events.js';
import { TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app.js';
import { TestApps } from '../support/test-apps.js';

type Channel = { name: string };
const channelId = (n: number) => `ec-${String(n).padStart(4, '0')}`;

/**
 * The service on a private 3-master Redis Cluster (REDIS_CLUSTER_NODES): two instances sharing
 * one key prefix, the BullMQ queue, the tiered rules cache with its locks, fences and flushes,
 * the L1 invalidation bus and the sync-event stream, each checked against what the masters hold.
 */
describe('the service on a 3-master Redis Cluster', () => {
  let cluster: PrivateRedisCluster;
  let redis: Cluster;
  let database: Awaited<ReturnType<typeof seededTestDatabase>>;
  let simulator: UhdSimulator;
  let setup: ReturnType<typeof precacheEnv>;
  const prefix = `tc${randomBytes(4).toString('hex')}:`;
  const apps = new TestApps(() => ({
    ...setup.env,
    DATABASE_URL: database.url,
    REDIS_CLUSTER_NODES: cluster.seeds.join(','),
    REDIS_KEY_PREFIX: prefix,
  }));
  let a: { app: TestApp; client: RulesClient };
  let b: { app: TestApp; client: RulesClient };

  const start = (env: Record<string, string> = {}) => apps.start(env);
  const channelName = async (client: RulesClient, id: string) =>
    ((await client.getCoverageRules(id)).response?.enrollmentChannel as Channel | undefined)?.name;
  const rename = (id: string, name: string) =>
    database.db.updateTable('enrollment_channel').set({ name }).where('id', '=', id).execute();
  const flush = async (app: TestApp, body?: unknown) => {
    const response = await fetch(`${app.httpUrl}/admin/cache/flush`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { deleted: number }).deleted;
  };
  const loadsOf = (app: TestApp) => jest.spyOn(app.app.get(RulesLoadPool), 'loadCoverageRules');

  beforeAll(async () => {
    [cluster, database, simulator] = await Promise.all([
      PrivateRedisCluster.start(3),
      seededTestDatabase('redis_cluster', 90),
      startSimulator(),
    ]);
    redis = cluster.client();
    setup = precacheEnv(simulator);
    a = await start();
    b = await start();
    await setFeature(a.app, PRECACHE_FLAG, { boolean: true });
  }, 90_000);

  afterEach(() => jest.restoreAllMocks());

  afterAll(async () => {
    await apps.closeAll();
    redis?.disconnect();
    await simulator?.close();
    await setup?.cleanUp();
    await database?.drop();
    await cluster?.stop();
  }, 60_000);

  it('runs the pre-cache queue on the cluster: a sign-in is enqueued and warmed, and every queue key shares one slot', async () => {
    const user = testUser();
    expect((await signIn(a.app, user)).status).toBe(201);

    const warmed = () =>
      simulator.requests().filter((r) => r.url.includes(`patientId=${user.icn}&`) && r.status === 200).length;
    expect(await eventually(() => warmed() === 6, 15_000)).toBe(true);

    const queuePrefix = queueKeyPrefix(prefix);
    const byNode = await cluster.keysByNode(`${queuePrefix}*`);
    const holders = [...byNode.values()].filter((keys) => keys.length > 0);
    expect(holders).toHaveLength(1);
    const keys = holders[0];
    expect(keys.some((k) => k.endsWith(':meta'))).toBe(true);
    const slots = new Set(await Promise.all(keys.map((k) => redis.cluster('KEYSLOT', k))));
    expect(slots.size).toBe(1);

    // Nothing of the queue went to REDIS_URL's single Redis: on a cluster, REDIS_URL only lends credentials.
    const single = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    try {
      const [, stray] = await single.scan('0', 'MATCH', `${queuePrefix}*`, 'COUNT', 10_000);
      expect(stray).toEqual([]);
    } finally {
      single.disconnect();
    }
  });

  it('serves rules through both tiers on the cluster: a miss loads once, then L1 here and L2 on the other instance', async () => {
    const loadsA = loadsOf(a.app);
    const loadsB = loadsOf(b.app);
    const id = channelId(3);

    expect((await a.client.getCoverageRules(id)).code).toBe(status.OK);
    expect((await a.client.getCoverageRules(id)).code).toBe(status.OK);
    expect((await b.client.getCoverageRules(id)).code).toBe(status.OK);

    expect(loadsA).toHaveBeenCalledTimes(1);
    expect(loadsB).toHaveBeenCalledTimes(0);
    // The conditional write (a Lua script on one key) landed: the entry is there with its TTL.
    const key = rulesCacheKeys(prefix).entry('coverage_rules', id);
    expect(await redis.pttl(key)).toBeGreaterThan(60_000);
    expect(await redis.exists(rulesCacheKeys(prefix).lease(key))).toBe(0);
  });

  it('holds the load lock on the cluster and fences a load whose key was tombstoned meanwhile', async () => {
    const id = channelId(4);
    const key = rulesCacheKeys(prefix).entry('coverage_rules', id);
    const lockKey = rulesCacheKeys(prefix).lease(key);
    const { release, read } = holdNextCoverageLoad(a.app.app.get(RulesLoadPool));

    const slow = a.client.getCoverageRules(id);
    await read;
    expect(await redis.exists(lockKey)).toBe(1);
    await rename(id, 'Renamed while a load was slow');
    // The other instance's L2 tier writes the tombstone, with no pub/sub message: only Redis's fence can stop the write.
    const l2 = b.app.app.get<Cache>(CACHE_MANAGER).stores[1].store as RedisKeyvStore;
    const tombstone = new EnvelopeCodec(0).tombstone(newToken());
    expect(
      await l2.replaceManyReporting([key], tombstone, 60_000, ENTRY_MARKER.offset, ENTRY_MARKER.byte),
    ).toBe(0);
    release();
    expect((await slow).code).toBe(status.OK);

    expect(await redis.exists(lockKey)).toBe(0);
    expect(await channelName(a.client, id)).toBe('Renamed while a load was slow');
    expect(await channelName(b.client, id)).toBe('Renamed while a load was slow');
  });

  it("drops the other instance's L1 over pub/sub when one instance invalidates a channel", async () => {
    const id = channelId(5);
    const before = await channelName(a.client, id);
    expect(await channelName(b.client, id)).toBe(before); // now in b's L1
    await rename(id, 'Renamed for the bus');

    expect(await flush(a.app, { kind: 'coverage_rules', enrollmentChannelIds: [id] })).toBe(1);

    expect(
      await eventually(async () => (await channelName(b.client, id)) === 'Renamed for the bus', 2_000, 50),
    ).toBe(true);
  });

  it('flushes whole kinds by scanning every master: entries on all three are deleted, other keys stay', async () => {
    const ids = Array.from({ length: 24 }, (_, i) => channelId(i + 20));
    for (const id of ids) {
      expect((await a.client.getCoverageRules(id)).code).toBe(status.OK);
      expect((await a.client.getPopulationMembershipRules(id)).code).toBe(status.OK);
    }
    const entries = async () => {
      const counts: number[] = [];
      for (const kind of ['coverage_rules', 'population_membership_rules'] as const) {
        const byNode = await cluster.keysByNode(rulesCacheKeys(prefix).namespacePattern(kind));
        [...byNode.values()].forEach((keys, i) => {
          counts[i] = (counts[i] ?? 0) + keys.length;
        });
      }
      return counts;
    };
    const before = await entries();
    expect(before).toHaveLength(3);
    for (const count of before) expect(count).toBeGreaterThan(0);
    const total = before.reduce((x, y) => x + y, 0);
    expect(total).toBeGreaterThanOrEqual(ids.length * 2);
    // The stats count keys the same way, on every master.
    const stats = await fetch(`${a.app.httpUrl}/admin/cache/stats`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    const { l2 } = (await stats.json()) as { l2: { keys: Record<string, number> } };
    expect(l2.keys.coverage_rules + l2.keys.population_membership_rules).toBe(total);

    expect(await flush(b.app)).toBe(total);

    expect(await entries()).toEqual([0, 0, 0]);
    // Queue keys and the stream are not the cache's: a flush leaves them alone.
    expect(await redis.exists(`${queueKeyPrefix(prefix)}:${PRECACHE_QUEUE}:meta`)).toBe(1);
    expect(await redis.exists(a.app.config.replicator.stream)).toBe(1);
    // Both instances answer again, from a fresh load.
    expect((await a.client.getCoverageRules(ids[0])).code).toBe(status.OK);
    expect((await b.client.getPopulationMembershipRules(ids[1])).code).toBe(status.OK);
  });

  it('applies a sync event from the stream on both instances, acknowledged in the consumer group', async () => {
    const id = channelId(6);
    await channelName(a.client, id);
    await channelName(b.client, id);
    await rename(id, 'Renamed via the stream');
    const { stream, consumerGroup } = a.app.config.replicator;

    await addSyncEvent(redis, stream, { table: 'enrollment_channel', enrollmentChannelIds: [id] });

    expect(
      await eventually(async () => (await channelName(a.client, id)) === 'Renamed via the stream', 5_000),
    ).toBe(true);
    expect(await channelName(b.client, id)).toBe('Renamed via the stream');
    expect(
      await eventually(async () => (await pendingEntries(redis, stream, consumerGroup)) === 0, 5_000),
    ).toBe(true);
  });

  it("claims a dead consumer's pending entry (XAUTOCLAIM) and dead-letters garbage, on a stream in the cluster", async () => {
    // A third instance with a group of its own, where a consumer that died holds an entry.
    const own = `tc${randomBytes(4).toString('hex')}:`;
    const stream = `${own}sync-events`;
    const deadLetters = `${own}sync-events:dead-letter`;
    const group = 'rules-cache-invalidator';
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    await addSyncEvent(redis, stream, { table: 'sc_benefit_contract', enrollmentChannelIds: [channelId(7)] });
    const taken = (await redis.xreadgroup(
      'GROUP',
      group,
      'died',
      'COUNT',
      1,
      'STREAMS',
      stream,
      '>',
    )) as unknown[];
    expect(taken).toHaveLength(1);
    await redis.xadd(stream, '*', 'event', '{not json');

    const c = await start({ REDIS_KEY_PREFIX: own, REPLICATOR_CLAIM_IDLE_MS: '300' });
    expect(c.app.config.replicator.stream).toBe(stream);

    // Both entries settle, in whichever order the instance gets to them: the claimed one applied
    // and acknowledged, the garbage read, dead-lettered and acknowledged.
    const settled = async () =>
      (await pendingEntries(redis, stream, group)) === 0 && (await redis.xlen(deadLetters)) === 1;
    expect(await eventually(settled, 10_000)).toBe(true);
    const dead = await redis.xrange(deadLetters, '-', '+');
    expect(dead).toHaveLength(1);
    expect(dead[0][1]).toContain('{not json');
  });
});
