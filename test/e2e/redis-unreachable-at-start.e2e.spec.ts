import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { eventually } from '../support/eventually.js';
import type { RulesClient } from '../support/grpc-client.js';
import { grpcHealthStatus } from '../support/grpc-health-client.js';
import { freePort } from '../support/ports.js';
import { seededTestDatabase } from '../support/seeded-mariadb.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { deleteKeys, TEST_ADMIN_TOKEN } from '../support/test-app.js';
import { type Instance, TestApps } from '../support/test-apps.js';

type Log = Record<string, unknown>;

/** The components that use Redis (or report on it) and log its state. */
const REDIS_USERS =
  /^(RedisConnections|RedisPubSub|Queues|JobWorker:.*|PrecacheQueue|SyncEventStreamConsumer|HealthController)$/;

/** Warning lines of the Redis users, counted by component and connection (or queue, or readiness check). */
function redisWarningsBySource(logs: Log[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of logs) {
    if (line.level !== 'warn' && line.level !== 'error') continue;
    if (!REDIS_USERS.test(String(line.context))) continue;
    const source = [line.context, line.connection ?? line.queue ?? line.check].filter(Boolean).join('|');
    counts[source] = (counts[source] ?? 0) + 1;
  }
  return counts;
}

/**
 * An instance whose Redis refuses connections from the start (a cut proxy): it serves the
 * rules from the database, logs the outage once per connection, and once Redis is back its
 * invalidation bus subscribes, it drops what it cached meanwhile, and it hears other instances.
 */
describe('service started while Redis is unreachable', () => {
  let database: Awaited<ReturnType<typeof seededTestDatabase>>;
  let proxy: TcpProxy;
  const prefix = `t${randomBytes(4).toString('hex')}:`;
  const apps = new TestApps(() => ({ DATABASE_URL: database.url, REDIS_KEY_PREFIX: prefix }));
  let offline: Instance;

  const channelName = async (client: RulesClient, id: string) => {
    const result = await client.getCoverageRules(id);
    expect(result.code).toBe(status.OK);
    return (result.response?.enrollmentChannel as { name: string } | undefined)?.name;
  };
  const rename = (id: string, name: string) =>
    database.db.updateTable('enrollment_channel').set({ name }).where('id', '=', id).execute();

  beforeAll(async () => {
    database = await seededTestDatabase('redis_unreachable_at_start', 10);
    proxy = await TcpProxy.start(await freePort(), { host: '127.0.0.1', port: 6379 });
    await proxy.cut();
    offline = await apps.start({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
  }, 60_000);

  afterAll(async () => {
    // Redis reachable again, so each app can close its connections and delete its keys.
    await proxy?.restore();
    await apps.closeAll();
    await proxy?.close();
    await deleteKeys('redis://127.0.0.1:6379', [`${prefix}*`]);
    await database?.drop();
  });

  it('reports SERVING on the gRPC health protocol and answers the rules from the database', async () => {
    const serving = await eventually(
      async () => (await grpcHealthStatus(offline.app.grpcAddress).catch(() => 'unreachable')) === 'SERVING',
      30_000,
      200,
    );
    expect(serving).toBe(true);

    const coverage = await offline.client.getCoverageRules('ec-0001');
    expect(coverage.code).toBe(status.OK);
    expect(coverage.response?.benefitContracts?.length).toBeGreaterThan(0);
    expect((await offline.client.getPopulationMembershipRules('ec-0001')).code).toBe(status.OK);
  });

  it('still reports Redis down on /health/ready, logging that once however often it is asked', async () => {
    for (let probe = 0; probe < 3; probe++) {
      const response = await fetch(`${offline.app.httpUrl}/health/ready`);
      const body = (await response.json()) as { error?: Record<string, { status: string }> };
      expect(response.status).toBe(503);
      expect(body.error?.redis?.status).toBe('down');
    }

    const failing = offline.app.logs.filter((l) => l.msg === 'readiness check failing');
    expect(failing.filter((l) => l.check === 'redis')).toHaveLength(1);
    expect(offline.app.logs.filter((l) => String(l.msg).startsWith('Health Check has failed'))).toEqual([]);
  });

  it('logs the outage once per connection, not once per reconnect attempt', async () => {
    // Every connection tries again at least every 2 s: a log line per attempt would show here.
    await sleep(6_000);
    const warnings = redisWarningsBySource(offline.app.logs);

    expect(Object.keys(warnings)).toEqual(
      expect.arrayContaining([
        'RedisConnections|commands',
        'RedisConnections|subscriber',
        'Queues|uhd-precache',
        'JobWorker:uhd-precache|uhd-precache',
        'SyncEventStreamConsumer',
      ]),
    );
    expect(Object.entries(warnings).filter(([, count]) => count > 1)).toEqual([]);
  }, 30_000);

  it('subscribes once Redis is back, drops what it cached while offline, and hears the other instances', async () => {
    const original = await channelName(offline.client, 'ec-0002');
    await rename('ec-0002', 'Renamed while Redis was unreachable');
    // Served from this instance's L1: no invalidation could reach it.
    expect(await channelName(offline.client, 'ec-0002')).toBe(original);

    await proxy.restore();

    const resubscribed = await eventually(
      () => offline.app.logs.some((l) => l.msg === 'redis subscriptions established after a gap'),
      30_000,
      200,
    );
    expect(resubscribed).toBe(true);
    expect(await channelName(offline.client, 'ec-0002')).toBe('Renamed while Redis was unreachable');
    const recoveries = [
      'redis connection ready again',
      'queue reconnected to Redis',
      'queue worker reconnected to Redis',
      'sync-event stream reachable again',
    ];
    const allBack = await eventually(
      () => recoveries.every((msg) => offline.app.logs.some((l) => l.msg === msg)),
      30_000,
      200,
    );
    expect(allBack).toBe(true);
    expect(offline.app.logs.filter((l) => l.msg === 'queue worker reconnected to Redis')).toHaveLength(1);

    // A normal instance on the same Redis prefix invalidates a channel: the message reaches this one.
    const other = await apps.start();
    const cached = await channelName(offline.client, 'ec-0003');
    await rename('ec-0003', 'Renamed and flushed by another instance');
    expect(await channelName(offline.client, 'ec-0003')).toBe(cached);

    const flush = await fetch(`${other.app.httpUrl}/admin/cache/flush`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'coverage_rules', enrollmentChannelIds: ['ec-0003'] }),
    });
    expect(flush.status).toBe(200);
    const heard = await eventually(
      async () =>
        (await channelName(offline.client, 'ec-0003')) === 'Renamed and flushed by another instance',
      15_000,
      200,
    );
    expect(heard).toBe(true);
  }, 90_000);
});
