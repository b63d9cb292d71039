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
});
