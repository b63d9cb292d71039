import { status } from '@grpc/grpc-js';
import { RulesCache } from '../../src/rules-cache/rules-cache.js';
import { rulesCacheKeys } from '../../src/rules-cache/rules-cache-keys.js';
import { eventually } from '../support/eventually.js';
import { type RulesClient, rulesClient } from '../support/grpc-client.js';
import { PrivateRedis } from '../support/redis-server.js';
import { seededTestDatabase } from '../support/seeded-mariadb.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Redis killed mid-test (a private redis-server, not the shared one): the rules keep flowing. */
describe('rules cache when Redis dies and comes back', () => {
  let database: Awaited<ReturnType<typeof seededTestDatabase>>;
  let redis: PrivateRedis;
  let sut: TestApp;
  let client: RulesClient;

  beforeAll(async () => {
    database = await seededTestDatabase('redis_outage', 30);
    redis = await PrivateRedis.start();
    sut = await startTestApp({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      RULES_CACHE_BREAKER_COOLDOWN_MS: '500',
    });
    client = rulesClient(sut.grpcAddress);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await sut?.close();
    await redis?.kill();
    await database?.drop();
  });

  it('keeps every RPC succeeding while Redis is gone, and fills Redis again once it is back', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `ec-${String(i + 1).padStart(4, '0')}`);
    for (const id of ids.slice(0, 10)) expect((await client.getCoverageRules(id)).code).toBe(status.OK);
    const probe = redis.client();
    expect(
      await probe.exists(rulesCacheKeys(sut.config.redis.keyPrefix).entry('coverage_rules', ids[0])),
    ).toBe(1);
    probe.disconnect();

    await redis.kill();
    // Cached ones from L1, the rest from the database: nothing fails.
    const during = await Promise.all(
      ids.flatMap((id) => [client.getCoverageRules(id), client.getPopulationMembershipRules(id)]),
    );
    expect(during.map((r) => r.code)).toEqual(during.map(() => status.OK));
    const metrics = await (await fetch(`${sut.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^rules_cache_redis_errors_total\{operation="[a-z]+"\} [1-9]/m);

    await redis.restart();
    const fresh = redis.client();
    try {
      // The breaker probes again, the connection comes back, and misses are written to Redis again.
      const recovered = await eventually(
        async () => {
          await sut.app
            .get(RulesCache)
            .invalidateChannels('coverage_rules', ['ec-0025'])
            .catch(() => undefined);
          expect((await client.getCoverageRules('ec-0025')).code).toBe(status.OK);
          return (
            (await fresh.exists(
              rulesCacheKeys(sut.config.redis.keyPrefix).entry('coverage_rules', 'ec-0025'),
            )) === 1
          );
        },
        15_000,
        250,
      );
      expect(recovered).toBe(true);
    } finally {
      fresh.disconnect();
    }
  }, 60_000);
});
