import { ConfigError, loadConfig } from './load-config.js';

describe(loadConfig.name, () => {
  it('gives the DESIGN.md defaults for an empty environment', () => {
    const sut = loadConfig({});
    expect(sut.http.port).toBe(3000);
    expect(sut.grpc.port).toBe(50051);
    expect(sut.role).toBe('all');
    expect(sut.redis.url).toBe('redis://127.0.0.1:6379');
    expect(sut.redis.clusterNodes).toEqual([]);
    expect(sut.database).toMatchObject({ url: 'sqlite:./data/rules.sqlite', dialect: 'sqlite' });
    expect(sut.logLevel).toBe('info');
  });

  it('reads a MySQL url as the mysql dialect and cluster seeds as host:port pairs', () => {
    const sut = loadConfig({
      DATABASE_URL: 'mysql://root@127.0.0.1:3306/test',
      REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7001',
    });
    expect(sut.database.dialect).toBe('mysql');
    expect(sut.redis.clusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
    ]);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', ROLE: 'boss', DATABASE_URL: 'postgres://x', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT=', 'ROLE=', 'DATABASE_URL=', 'LOG_LEVEL=']) expect(problems).toContain(name);
  });

  it('never echoes a secret it rejects', () => {
    expect(() => loadConfig({ ADMIN_API_TOKEN: 'short' })).toThrow(/ADMIN_API_TOKEN=<redacted>/);
  });

  it('refuses to start in production without the API tokens', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /ADMIN_API_TOKEN: required[\s\S]*INTERNAL_API_TOKEN: required/,
    );
  });

  // ---- Sign-in pre-cache ----
  describe('sign-in pre-cache settings', () => {
    it('gives the DESIGN.md defaults', () => {
      const sut = loadConfig({});
      expect(sut.uhd.host).toBeUndefined();
      expect(sut.uhd.timeoutMs).toBe(15_000);
      expect(sut.precache).toMatchObject({
        featureFlag: 'mhv_accelerated_delivery_labs',
        dedupSeconds: 300,
        webClientIds: ['vaweb', 'mhv', 'myvahealth', 'ebenefits'],
        facilityRanges: [
          [358, 718],
          [720, 758],
          [983, 984],
          [999, 999],
        ],
        attempts: 3,
      });
      expect(sut.login.sessionTtlSeconds).toBe(1_800);
      expect(sut.featureFlags).toEqual({ redisKeyPrefix: '', cacheTtlMs: 5_000 });
    });

    it('uses the UHD host for the token endpoint unless a security host is given, without a trailing slash', () => {
      expect(loadConfig({ UHD_HOST: 'https://uhd.example/api/' }).uhd).toMatchObject({
        host: 'https://uhd.example/api',
        securityHost: 'https://uhd.example/api',
      });
      expect(
        loadConfig({ UHD_HOST: 'https://uhd.example', UHD_SECURITY_HOST: 'https://sec.example' }).uhd
          .securityHost,
      ).toBe('https://sec.example');
    });

    it('refuses to start in production without a UHD host and its credentials', () => {
      expect(() =>
        loadConfig({
          NODE_ENV: 'production',
          ADMIN_API_TOKEN: 'a'.repeat(16),
          INTERNAL_API_TOKEN: 'b'.repeat(16),
        }),
      ).toThrow(
        /UHD_HOST: required[\s\S]*UHD_APP_ID: required[\s\S]*UHD_APP_TOKEN: required[\s\S]*UHD_API_KEY: required/,
      );
    });

    it('names bad pre-cache variables', () => {
      let error: unknown;
      try {
        loadConfig({
          UHD_HOST: 'ftp://x',
          MHV_FACILITY_RANGES: '[[1,2],[9]]',
          FLIPPER_CACHE_TTL_MS: '60000',
          PRECACHE_CONCURRENCY: '0',
        });
      } catch (e) {
        error = e;
      }
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of [
        'UHD_HOST=',
        'MHV_FACILITY_RANGES=',
        'FLIPPER_CACHE_TTL_MS=',
        'PRECACHE_CONCURRENCY=',
      ])
        expect(problems).toContain(name);
    });

    it('refuses a reversed facility range', () => {
      expect(() => loadConfig({ MHV_FACILITY_RANGES: '[[718,358]]' })).toThrow(
        /range \[718,358\] is reversed/,
      );
    });

    it('never echoes the UHD credentials it rejects', () => {
      expect(() => loadConfig({ UHD_API_KEY: 'k'.repeat(5000) })).toThrow(/UHD_API_KEY=<redacted>/);
    });
  });
});
