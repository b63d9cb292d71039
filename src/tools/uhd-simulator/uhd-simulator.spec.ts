import { UhdSimulator } from './uhd-simulator.js';

const READ = '/v1/medicalrecords/labs?patientId=1012845331V153043&startDate=1900-01-01&endDate=2026-01-01';

describe(UhdSimulator.name, () => {
  let sut: UhdSimulator;
  let token: string;

  const read = (path = READ, headers: Record<string, string> = {}) =>
    fetch(`${sut.url}${path}`, {
      headers: {
        authorization: token,
        'x-api-key': 'key',
        'x-request-id': 'r-1',
        'x-mhv-client-application': 'VAGOV',
        ...headers,
      },
    });

  const reads = () => sut.requests().filter((r) => r.method === 'GET');

  beforeEach(async () => {
    sut = await new UhdSimulator({
      missLatencyMs: 30,
      missJitterMs: 0,
      hitLatencyMs: 0,
      hitJitterMs: 0,
      apiKey: 'key',
    }).start();
    const login = await fetch(`${sut.url}/mhvapi/security/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'key' },
      body: JSON.stringify({ appId: 'a', appToken: 't', subject: 's', userType: 'u' }),
    });
    token = login.headers.get('authorization')!;
  });

  afterEach(() => sut.close());

  describe('token endpoint', () => {
    it('issues a Bearer JWT in the authorization header', () => {
      expect(token).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
      expect(sut.snapshot().tokensIssued).toBe(1);
    });

    it('refuses a wrong api key and missing credentials', async () => {
      const bad = await fetch(`${sut.url}/mhvapi/security/v1/login`, {
        method: 'POST',
        headers: { 'x-api-key': 'nope' },
        body: JSON.stringify({ appId: 'a', appToken: 't', subject: 's', userType: 'u' }),
      });
      expect(bad.status).toBe(401);
      const missing = await fetch(`${sut.url}/mhvapi/security/v1/login`, {
        method: 'POST',
        headers: { 'x-api-key': 'key' },
        body: JSON.stringify({ appId: 'a' }),
      });
      expect(missing.status).toBe(400);
    });
  });

  describe('resource reads', () => {
    it('answers the same records for the same patient, a miss first and a hit after', async () => {
      const first = await (await read()).json();
      const second = await (await read()).json();
      expect(second).toEqual(first);
      expect(reads().map((r) => r.cache)).toEqual(['miss', 'hit']);
      expect(sut.snapshot().cache).toMatchObject({ hits: 1, misses: 1, entries: 1 });
    });

    it('caches by path and query: another end date is another request', async () => {
      await read();
      await read(READ.replace('2026-01-01', '2026-01-02'));
      expect(reads().map((r) => r.cache)).toEqual(['miss', 'miss']);
    });

    it.each([
      ['no token', { authorization: '' }, 401],
      ['a wrong api key', { 'x-api-key': 'nope' }, 401],
      ['no client application header', { 'x-mhv-client-application': '' }, 400],
      ['no request id', { 'x-request-id': '' }, 400],
    ])('refuses a read with %s', async (_label, headers, status) => {
      expect((await read(READ, headers)).status).toBe(status);
    });

    it('refuses a read without the date window', async () => {
      expect((await read('/v1/medicalrecords/labs?patientId=1')).status).toBe(400);
    });
  });

  describe('fault injection', () => {
    it('fails a resource the given number of times, then answers again', async () => {
      sut.setFaults({ failResources: ['labs'], failTimes: 1, errorStatus: 503 });
      expect((await read()).status).toBe(503);
      expect((await read()).status).toBe(200);
    });

    it('is switched at runtime through PUT /_sim/faults and cleared by POST /_sim/reset', async () => {
      await fetch(`${sut.url}/_sim/faults`, {
        method: 'PUT',
        body: JSON.stringify({ failResources: ['labs'] }),
      });
      expect((await read()).status).toBe(500);
      await fetch(`${sut.url}/_sim/reset`, { method: 'POST' });
      expect(sut.snapshot().faults.failResources).toEqual([]);
      expect(sut.snapshot().requests.total).toBe(0);
    });

    it('resets the connection of every request while down', async () => {
      sut.setFaults({ down: true });
      await expect(read()).rejects.toThrow();
    });
  });

  describe('stats', () => {
    it('counts requests by resource and the busiest second', async () => {
      await Promise.all([read(), read(READ.replace('labs', 'vitals'))]);
      const stats = (await (await fetch(`${sut.url}/_sim/stats`)).json()) as ReturnType<
        UhdSimulator['snapshot']
      >;
      expect(stats.requests.byResource).toMatchObject({ labs: 1, vitals: 1 });
      expect(stats.maxResourceRequestsInAnySecond).toBe(2);
    });
  });
});
