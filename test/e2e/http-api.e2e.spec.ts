import { startTestApp, TEST_ADMIN_TOKEN, TEST_INTERNAL_TOKEN, type TestApp } from '../support/test-app.js';

/**
 * Every protected endpoint refuses callers without the right token, and every error is a
 * small JSON problem that names what was wrong and leaks nothing.
 */
const PROTECTED: Array<{ method: string; path: string; audience: 'admin' | 'internal'; body?: unknown }> = [
  { method: 'POST', path: '/admin/cache/flush', audience: 'admin', body: {} },
  { method: 'GET', path: '/admin/cache/stats', audience: 'admin' },
  {
    method: 'POST',
    path: '/v0/replicator/sync-events',
    audience: 'internal',
    body: { table: 'population', syncedAt: '2026-01-01T00:00:00Z' },
  },
  {
    method: 'POST',
    path: '/v0/sign-ins',
    audience: 'internal',
    body: {
      userUuid: 'u-auth-test',
      icn: '1000000000V100000',
      clientId: 'vamobile',
      vaTreatmentFacilityIds: ['983'],
    },
  },
  { method: 'GET', path: '/admin/features/mhv_accelerated_delivery_labs', audience: 'admin' },
  { method: 'PUT', path: '/admin/features/auth_test_feature', audience: 'admin', body: { boolean: false } },
  { method: 'GET', path: '/admin/queues', audience: 'admin' },
];

describe('HTTP API (end to end)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp();
  }, 30_000);

  afterAll(async () => {
    await sut?.close();
  });

  const call = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    fetch(`${sut.httpUrl}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  describe.each(PROTECTED)('$method $path', ({ method, path, audience, body }) => {
    const right = audience === 'admin' ? TEST_ADMIN_TOKEN : TEST_INTERNAL_TOKEN;
    const other = audience === 'admin' ? TEST_INTERNAL_TOKEN : TEST_ADMIN_TOKEN;

    it.each([
      ['no token', {}],
      ['a wrong token', { authorization: 'Bearer not-the-token-at-all' }],
      ['the token in the wrong scheme', { authorization: `Basic ${right}` }],
      ['the token with no scheme', { authorization: right }],
      ['the other audience’s token', { authorization: `Bearer ${other}` }],
    ])('answers 401 to %s', async (_label, headers) => {
      const response = await call(method, path, headers, body);
      expect(response.status).toBe(401);
      const problem = (await response.json()) as Record<string, unknown>;
      expect(problem.message).toMatch(/^authorization: /);
      expect(JSON.stringify(problem)).not.toMatch(/\bat .*\.(js|ts):\d+/);
    });

    it('lets the right token past the guard', async () => {
      const response = await call(method, path, { authorization: `Bearer ${right}` }, body);
      // Past the guard: whatever the endpoint answers (an unknown feature is 404), it is not 401 or a failure.
      expect(response.status).not.toBe(401);
      expect(response.status).toBeLessThan(500);
    });
  });

  it('answers malformed JSON with 400, a non-JSON body with 415 and an oversized one with 413', async () => {
    const auth = { authorization: `Bearer ${TEST_INTERNAL_TOKEN}` };
    const url = `${sut.httpUrl}/v0/replicator/sync-events`;
    const malformed = await fetch(url, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"table":',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { message: string }).message).toBe('body: malformed JSON');
    const text = await fetch(url, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: 'table=population',
    });
    expect(text.status).toBe(415);
    const huge = await fetch(url, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ table: 'population', padding: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
  });

  it('answers an unknown route with a 404 problem and no stack trace', async () => {
    const response = await fetch(`${sut.httpUrl}/no/such/route`);
    expect(response.status).toBe(404);
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem.statusCode).toBe(404);
    expect(JSON.stringify(problem)).not.toMatch(/stack|\.js:\d+/);
  });
});
