import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { RulesLoadPool } from '../../src/rules/load/rules-load.pool.js';
import { eventually } from '../support/eventually.js';
import { type RulesClient } from '../support/grpc-client.js';
import { seededTestDatabase } from '../support/seeded-mariadb.js';
import { addSyncEvent, pendingEntries } from '../support/sync-events.js';
import { TEST_INTERNAL_TOKEN, type TestApp } from '../support/test-app.js';
import { TestApps } from '../support/test-apps.js';

const syncedNow = () => new Date().toISOString();
type Channel = { name: string; isActive: boolean };

/** Sync events by stream and by HTTP, against real Redis and MariaDB, with two instances. */
describe('replicator sync events', () => {
  let database: Awaited<ReturnType<typeof seededTestDatabase>>;
  const redis = new Redis('redis://127.0.0.1:6379');
  const apps = new TestApps(() => ({ DATABASE_URL: database.url }));
  const start = (prefix: string, env: Record<string, string> = {}) =>
    apps.start({ REDIS_KEY_PREFIX: prefix, ...env });
  const newPrefix = () => `t${randomBytes(4).toString('hex')}:`;
  const channelName = async (client: RulesClient, id: string) =>
    ((await client.getCoverageRules(id)).response?.enrollmentChannel as Channel | undefined)?.name;
  const rename = (id: string, name: string) =>
    database.db.updateTable('enrollment_channel').set({ name }).where('id', '=', id).execute();
  const postEvent = (app: TestApp, body: unknown) =>
    fetch(`${app.httpUrl}/v0/replicator/sync-events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_INTERNAL_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    database = await seededTestDatabase('replicator', 120);
  }, 60_000);

  afterEach(async () => {
    jest.restoreAllMocks();
    await apps.closeAll();
  });

  afterAll(async () => {
    redis.disconnect();
    await database?.drop();
  });

  it('applies a stream event on every instance: the next read on each returns the new rows', async () => {
    const prefix = newPrefix();
    const a = await start(prefix);
    const b = await start(prefix);
    const before = await channelName(a.client, 'ec-0010');
    expect(await channelName(b.client, 'ec-0010')).toBe(before);

    await rename('ec-0010', 'Renamed via the stream');
    await addSyncEvent(redis, a.app.config.replicator.stream, {
      table: 'enrollment_channel',
      enrollmentChannelIds: ['ec-0010'],
    });

    expect(
      await eventually(
        async () => (await channelName(a.client, 'ec-0010')) === 'Renamed via the stream',
        5_000,
      ),
    ).toBe(true);
    expect(await channelName(b.client, 'ec-0010')).toBe('Renamed via the stream');
    const pending = (await redis.xpending(
      a.app.config.replicator.stream,
      a.app.config.replicator.consumerGroup,
    )) as [number];
    expect(pending[0]).toBe(0);
  });

  it('applies an HTTP event on every instance before answering 202', async () => {
    const prefix = newPrefix();
    const a = await start(prefix);
    const b = await start(prefix);
    await channelName(a.client, 'ec-0011');
    await channelName(b.client, 'ec-0011');

    await rename('ec-0011', 'Renamed via HTTP');
    const response = await postEvent(a.app, {
      table: 'enrollment_channel',
      enrollmentChannelIds: ['ec-0011'],
      syncedAt: syncedNow(),
    });
    expect(response.status).toBe(202);

    // The other instance's L1 is dropped by pub/sub within milliseconds; a read a moment later is fresh.
    await new Promise((r) => setTimeout(r, 200));
    expect(await channelName(b.client, 'ec-0011')).toBe('Renamed via HTTP');
    expect(await channelName(a.client, 'ec-0011')).toBe('Renamed via HTTP');
  });

  it('resolves population ids to their channels and invalidates only those', async () => {
    const { app, client } = await start(newPrefix());
    const loads = jest.spyOn(app.app.get(RulesLoadPool), 'loadPopulationMembershipRules');
    await client.getPopulationMembershipRules('ec-0012');
    await client.getPopulationMembershipRules('ec-0013');
    expect(loads).toHaveBeenCalledTimes(2);

    const response = await postEvent(app, {
      table: 'population_membership_rule',
      populationIds: ['ec-0012-pop-01'],
      syncedAt: syncedNow(),
    });
    expect(await response.json()).toMatchObject({
      invalidated: { population_membership_rules: ['ec-0012'] },
    });
    await client.getPopulationMembershipRules('ec-0012');
    await client.getPopulationMembershipRules('ec-0013');
    expect(loads).toHaveBeenCalledTimes(3);
  });

  it('applies events added while the service was down once it starts', async () => {
    const prefix = newPrefix();
    const first = await start(prefix);
    await channelName(first.client, 'ec-0014'); // cached in Redis
    const { stream } = first.app.config.replicator;
    await apps.stopKeepingKeys(first);

    await rename('ec-0014', 'Renamed while down');
    await addSyncEvent(redis, stream, { table: 'enrollment_channel', enrollmentChannelIds: ['ec-0014'] });

    const { client } = await start(prefix);
    // Not a latency check: on a saturated machine the new instance's first Redis calls can time
    // out, and its breaker then holds invalidations back for a cool-down before they are retried.
    expect(
      await eventually(async () => (await channelName(client, 'ec-0014')) === 'Renamed while down', 20_000),
    ).toBe(true);
  });

  it('moves a poison entry to the dead-letter stream with its reason and keeps the stream flowing', async () => {
    const { app, client } = await start(newPrefix());
    const { stream, deadLetterStream, consumerGroup } = app.config.replicator;
    await channelName(client, 'ec-0015');
    await rename('ec-0015', 'After the poison');

    await redis.xadd(stream, '*', 'event', '{not json');
    await redis.xadd(stream, '*', 'event', JSON.stringify({ table: 'no_such_table', syncedAt: syncedNow() }));
    await addSyncEvent(redis, stream, { table: 'enrollment_channel', enrollmentChannelIds: ['ec-0015'] });

    expect(
      await eventually(async () => (await channelName(client, 'ec-0015')) === 'After the poison', 5_000),
    ).toBe(true);
    const dead = await redis.xrange(deadLetterStream, '-', '+');
    expect(dead).toHaveLength(2);
    const reasons = dead.map(([, fields]) => fields[fields.indexOf('reason') + 1]);
    expect(reasons[0]).toMatch(/not valid JSON/);
    expect(reasons[1]).toMatch(/^invalid event: table: must be one of/);
    expect(await pendingEntries(redis, stream, consumerGroup)).toBe(0);
    const metrics = await (await fetch(`${app.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /^replicator_events_total\{table="unknown",source="stream",outcome="dead_lettered"\} 2/m,
    );
    expect(metrics).toMatch(
      /^replicator_events_total\{table="enrollment_channel",source="stream",outcome="applied"\} [1-9]/m,
    );
  });

  it('claims the entries a dead consumer left pending, and applies them', async () => {
    const prefix = newPrefix();
    const { app, client } = await start(prefix, { REPLICATOR_CLAIM_IDLE_MS: '300' });
    const { stream, consumerGroup } = app.config.replicator;
    await channelName(client, 'ec-0016');
    await rename('ec-0016', 'Claimed from a dead consumer');
    // A consumer that read the entry and died before acknowledging it.
    await addSyncEvent(redis, stream, { table: 'enrollment_channel', enrollmentChannelIds: ['ec-0016'] });
    await redis.xgroup('CREATECONSUMER', stream, consumerGroup, 'dead-consumer');
    // Race the live consumer for it: if it already took it, there is nothing to claim and the test still checks the outcome.
    await redis.xreadgroup('GROUP', consumerGroup, 'dead-consumer', 'COUNT', 1, 'STREAMS', stream, '>');

    expect(
      await eventually(
        async () => (await channelName(client, 'ec-0016')) === 'Claimed from a dead consumer',
        5_000,
      ),
    ).toBe(true);
    expect(
      await eventually(async () => (await pendingEntries(redis, stream, consumerGroup)) === 0, 5_000),
    ).toBe(true);
  });

  it('bridges a whole-table event under load with about one load per channel, not a herd', async () => {
    const prefix = newPrefix();
    const a = await start(prefix);
    const b = await start(prefix);
    const ids = Array.from({ length: 30 }, (_, i) => `ec-${String(i + 20).padStart(4, '0')}`);
    for (const id of ids) await a.client.getCoverageRules(id);
    for (const id of ids) await b.client.getCoverageRules(id);
    const loadsA = jest.spyOn(a.app.app.get(RulesLoadPool), 'loadCoverageRules');
    const loadsB = jest.spyOn(b.app.app.get(RulesLoadPool), 'loadCoverageRules');

    const hammering = Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        const results: number[] = [];
        for (let round = 0; round < 30; round++) {
          results.push(
            (await (worker % 2 ? a : b).client.getCoverageRules(ids[(round + worker) % ids.length])).code,
          );
        }
        return results;
      }),
    );
    const response = await postEvent(a.app, { table: 'sc_benefit_contract', syncedAt: syncedNow() });
    expect(response.status).toBe(202);
    const codes = (await hammering).flat();

    expect(codes.every((c) => c === status.OK)).toBe(true);
    const loads = loadsA.mock.calls.length + loadsB.mock.calls.length;
    expect(loads).toBeLessThanOrEqual(ids.length * 1.5);
  });

  it('rejects bad events with a 400 naming the field, applying nothing', async () => {
    const { app, client } = await start(newPrefix());
    const loads = jest.spyOn(app.app.get(RulesLoadPool), 'loadCoverageRules');
    await client.getCoverageRules('ec-0017');
    const cases: Array<[unknown, RegExp]> = [
      [{ table: 'nope', syncedAt: syncedNow() }, /^table: /],
      [{ table: 'population', syncedAt: 'yesterday' }, /^syncedAt: /],
      [
        { table: 'population', enrollmentChannelIds: [1], syncedAt: syncedNow() },
        /^enrollmentChannelIds\[0\]: /,
      ],
      [
        { table: 'population', enrollmentChannelIds: 'ec-0017', syncedAt: syncedNow() },
        /^enrollmentChannelIds: /,
      ],
      [
        { table: 'population', enrollmentChannelIds: Array(10_001).fill('ec-0017'), syncedAt: syncedNow() },
        /^enrollmentChannelIds: /,
      ],
      [{ table: 'population', syncedAt: syncedNow(), extra: true }, /^extra: /],
      [[1, 2], /^event: /],
    ];
    for (const [body, message] of cases) {
      const response = await postEvent(app, body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(message);
    }
    const malformed = await fetch(`${app.httpUrl}/v0/replicator/sync-events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_INTERNAL_TOKEN}`, 'content-type': 'application/json' },
      body: '{"table": ',
    });
    expect(malformed.status).toBe(400);
    await client.getCoverageRules('ec-0017');
    expect(loads).toHaveBeenCalledTimes(1); // nothing was invalidated
  });
});
