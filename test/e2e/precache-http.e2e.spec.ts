import { Redis } from 'ioredis';
import { flipperFeatureKey, flipperFeaturesKey } from '../../src/feature-flags/flipper-keys.js';
import { MetricNames } from '../../src/platform/metrics/metric-names.js';
import type { UhdSimulator } from '../../src/tools/uhd-simulator/uhd-simulator.js';
import { precacheEnv, signIn, startSimulator, testUser } from '../support/precache.js';
import { startTestApp, TEST_ADMIN_TOKEN, TEST_INTERNAL_TOKEN, type TestApp } from '../support/test-app.js';

/** The pre-cache HTTP surface as a client sees it: auth, validation, the admin API, health. */
// Jobs run through a real queue with backoffs; on a busy machine that takes more than jest's 5 s default.
jest.setTimeout(30_000);

describe('pre-cache HTTP API (end to end)', () => {
  let simulator: UhdSimulator;
  let setup: ReturnType<typeof precacheEnv>;
  let sut: TestApp;
  let redis: Redis;

  const call = async (method: string, path: string, options: { token?: string; body?: unknown } = {}) => {
    const response = await fetch(`${sut.httpUrl}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    const body = (text.startsWith('{') ? JSON.parse(text) : {}) as Record<string, unknown>;
    return { status: response.status, body, text };
  };

  beforeAll(async () => {
    simulator = await startSimulator();
    setup = precacheEnv(simulator);
    sut = await startTestApp(setup.env);
    redis = new Redis(sut.config.redis.url);
  }, 30_000);

  afterAll(async () => {
    redis?.disconnect();
    await sut?.close();
    await simulator?.close();
    await setup?.cleanUp();
  });

  describe('POST /v0/sign-ins', () => {
    it('answers 201 with a session for a valid sign-in, numeric facility ids included', async () => {
      const user = testUser();
      const result = await call('POST', '/v0/sign-ins', {
        token: TEST_INTERNAL_TOKEN,
        body: { ...user, vaTreatmentFacilityIds: [983, '984GC'], signedInAt: '2026-01-01T12:00:00Z' },
      });
      expect(result.status).toBe(201);
      expect(Object.keys(result.body).sort()).toEqual(['expiresAt', 'sessionId']);
    });

    it.each([
      ['no token', undefined],
      ['the admin token', TEST_ADMIN_TOKEN],
    ])('answers 401 with %s', async (_label, token) => {
      expect((await call('POST', '/v0/sign-ins', { token, body: testUser() })).status).toBe(401);
    });

    it.each([
      ['icn', { icn: '12345' }],
      ['clientId', { clientId: 'has spaces' }],
      ['email', { email: 'not-an-email' }],
      ['vaTreatmentFacilityIds', { vaTreatmentFacilityIds: 'all' }],
      ['vaTreatmentFacilityIds', { vaTreatmentFacilityIds: ['98 3'] }],
      ['signedInAt', { signedInAt: 'yesterday' }],
      ['userUuid', { userUuid: undefined }],
      ['ssn', { ssn: '123' }],
    ])('answers 400 naming %s for a malformed body', async (field, overrides) => {
      const result = await call('POST', '/v0/sign-ins', {
        token: TEST_INTERNAL_TOKEN,
        body: { ...testUser(), ...overrides },
      });
      expect(result.status).toBe(400);
      expect(String(result.body.message)).toMatch(new RegExp(`^${field}`));
    });
  });

  describe('GET /v0/health-records/{resource}', () => {
    it('answers the signed-in user their records', async () => {
      const { body } = await signIn(sut, testUser());
      const result = await call('GET', '/v0/health-records/allergies', { token: String(body.sessionId) });
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ resource: 'allergies', count: expect.any(Number) });
      expect((result.body.records as unknown[]).length).toBe(result.body.count);
    });

    it('answers 401 without a session or with an unknown one', async () => {
      expect((await call('GET', '/v0/health-records/labs')).status).toBe(401);
      expect((await call('GET', '/v0/health-records/labs', { token: 'A'.repeat(43) })).status).toBe(401);
    });

    it('answers 400 naming the resource for an unknown one', async () => {
      const { body } = await signIn(sut, testUser());
      const result = await call('GET', '/v0/health-records/xrays', { token: String(body.sessionId) });
      expect(result.status).toBe(400);
      expect(String(result.body.message)).toMatch(/^resource: must be one of/);
    });

    it('answers 503 without details when the upstream fails', async () => {
      const { body } = await signIn(sut, testUser());
      simulator.setFaults({ failResources: ['conditions'], errorStatus: 500 });
      try {
        const result = await call('GET', '/v0/health-records/conditions', { token: String(body.sessionId) });
        expect(result.status).toBe(503);
        expect(result.body).toMatchObject({ error: 'DependencyUnavailable', message: 'UHD is unavailable' });
      } finally {
        simulator.setFaults({});
      }
    });
  });

  describe('GET|PUT /admin/features/{name}', () => {
    const prefix = () => sut.config.featureFlags.redisKeyPrefix;

    it('writes the Ruby Flipper adapter layout and reads it back', async () => {
      const put = await call('PUT', '/admin/features/e2e_feature', {
        token: TEST_ADMIN_TOKEN,
        body: { percentageOfActors: 25, actors: ['a@example.com', 'b@example.com'] },
      });
      expect(put.status).toBe(200);
      expect(await redis.sismember(flipperFeaturesKey(prefix()), 'e2e_feature')).toBe(1);
      expect(await redis.hgetall(flipperFeatureKey(prefix(), 'e2e_feature'))).toEqual({
        percentage_of_actors: '25',
        'actors/a@example.com': '1',
        'actors/b@example.com': '1',
      });

      const get = await call('GET', '/admin/features/e2e_feature', { token: TEST_ADMIN_TOKEN });
      expect(get.body).toEqual({
        name: 'e2e_feature',
        gates: { boolean: false, percentageOfActors: 25, actors: ['a@example.com', 'b@example.com'] },
      });
    });

    it('reads a feature a Ruby app wrote, and enabling it fully clears the other gates as Flipper does', async () => {
      await redis.sadd(flipperFeaturesKey(prefix()), 'ruby_feature');
      await redis.hset(
        flipperFeatureKey(prefix(), 'ruby_feature'),
        'percentage_of_actors',
        '12.5',
        'actors/x@example.com',
        '1',
      );
      expect(
        (await call('GET', '/admin/features/ruby_feature', { token: TEST_ADMIN_TOKEN })).body,
      ).toMatchObject({
        gates: { boolean: false, percentageOfActors: 12.5, actors: ['x@example.com'] },
      });

      await call('PUT', '/admin/features/ruby_feature', { token: TEST_ADMIN_TOKEN, body: { boolean: true } });
      expect(await redis.hgetall(flipperFeatureKey(prefix(), 'ruby_feature'))).toEqual({ boolean: 'true' });

      await call('PUT', '/admin/features/ruby_feature', {
        token: TEST_ADMIN_TOKEN,
        body: { boolean: false },
      });
      expect(await redis.hgetall(flipperFeatureKey(prefix(), 'ruby_feature'))).toEqual({});
    });

    it('answers 404 for a feature nobody created, 401 without the admin token', async () => {
      expect((await call('GET', '/admin/features/never_created', { token: TEST_ADMIN_TOKEN })).status).toBe(
        404,
      );
      expect((await call('GET', '/admin/features/e2e_feature', { token: TEST_INTERNAL_TOKEN })).status).toBe(
        401,
      );
    });

    it.each([
      ['body', {}],
      ['percentageOfActors', { percentageOfActors: 101 }],
      ['boolean', { boolean: 'yes' }],
      ['actors', { actors: 'everyone' }],
    ])('answers 400 naming %s for a bad change', async (field, body) => {
      const result = await call('PUT', '/admin/features/e2e_feature', { token: TEST_ADMIN_TOKEN, body });
      expect(result.status).toBe(400);
      expect(String(result.body.message)).toMatch(new RegExp(`^${field}`));
    });
  });

  describe('/admin/queues', () => {
    it('serves the queue dashboard behind the admin token only', async () => {
      expect((await call('GET', '/admin/queues')).status).toBe(401);
      expect((await call('GET', '/admin/queues', { token: TEST_INTERNAL_TOKEN })).status).toBe(401);
      const page = await call('GET', '/admin/queues', { token: TEST_ADMIN_TOKEN });
      expect(page.status).toBe(200);
      const api = await call('GET', '/admin/queues/api/queues', { token: TEST_ADMIN_TOKEN });
      expect(JSON.stringify(api.body)).toContain('uhd-precache');
    });
  });

  it('reports the queue in /health/ready', async () => {
    const result = await call('GET', '/health/ready');
    expect(result.status).toBe(200);
    expect(result.body.info).toMatchObject({ queue: { status: 'up', workers: 1 }, redis: { status: 'up' } });
  });

  it('exposes the pre-cache metrics on /metrics', async () => {
    const body = (await call('GET', '/metrics')).text;
    for (const name of Object.values(MetricNames)) expect(body).toContain(`# HELP ${name} `);
  });
});
