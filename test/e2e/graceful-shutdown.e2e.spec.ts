import { status } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { RulesLoadPool } from '../../src/rules/load/rules-load.pool.js';
import { eventually } from '../support/eventually.js';
import { rulesClient } from '../support/grpc-client.js';
import { MARIADB_ROOT_URL } from '../support/mariadb.js';
import { seededTestDatabase } from '../support/seeded-mariadb.js';
import { startTestApp } from '../support/test-app.js';

async function connectionsTo(databaseName: string): Promise<number> {
  const sql = await createConnection({ uri: MARIADB_ROOT_URL });
  try {
    const [rows] = await sql.query('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ?', [
      databaseName,
    ]);
    return Number((rows as Array<{ n: number }>)[0].n);
  } finally {
    await sql.end();
  }
}

/** What SIGTERM runs (app.close via the shutdown hooks): stop taking calls, finish the ones in flight. */
describe('graceful shutdown (end to end)', () => {
  let database: Awaited<ReturnType<typeof seededTestDatabase>>;

  beforeAll(async () => {
    database = await seededTestDatabase('shutdown', 5);
  }, 60_000);

  afterAll(async () => {
    await database?.drop();
  });

  it('finishes an in-flight call, then closes the database pool and Redis', async () => {
    const baseline = await connectionsTo(database.name); // the test's own seeding pool
    const sut = await startTestApp({ DATABASE_URL: database.url });
    const client = rulesClient(sut.grpcAddress);
    const loads = sut.app.get(RulesLoadPool);
    const original = loads.loadCoverageRules.bind(loads);
    let entered!: () => void;
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    jest.spyOn(loads, 'loadCoverageRules').mockImplementation(async (...args) => {
      entered();
      await new Promise((r) => setTimeout(r, 500));
      return original(...args);
    });

    const inFlight = client.getCoverageRules('ec-0001');
    await inside;
    const closing = sut.close();
    const result = await inFlight;
    await closing;
    client.close();

    expect(result.code).toBe(status.OK);
    expect(result.response?.benefitContracts).toHaveLength(20);
    const after = rulesClient(sut.grpcAddress);
    expect((await after.getCoverageRules('ec-0001', 1_000)).code).toBe(status.UNAVAILABLE);
    after.close();
    expect(sut.logs.some((l) => l.level === 'error')).toBe(false);

    const redis = new Redis('redis://127.0.0.1:6379');
    const clientList = await redis.client('LIST');
    redis.disconnect();
    expect(String(clientList)).not.toContain(`name=${sut.config.redis.keyPrefix}`);
    // The server drops a closed connection from its process list a moment after the client quits.
    expect(await eventually(async () => (await connectionsTo(database.name)) === baseline, 3_000)).toBe(true);
  }, 30_000);
});
