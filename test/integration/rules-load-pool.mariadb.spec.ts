import { type Connection, createConnection } from 'mysql2/promise';
import type { AppConfig } from '../../src/config/app-config.js';
import { Database, type QueryEvent } from '../../src/infrastructure/database/database.js';
import { SEEDED_CHANNELS } from '../../src/infrastructure/database/seed/replica-generator.js';
import { seedReplica } from '../../src/infrastructure/database/seed/seed-replica.js';
import { DependencyUnavailable, RequestCancelled } from '../../src/platform/errors/domain-errors.js';
import { type RulesLoadObserver, RulesLoadPool } from '../../src/rules/load/rules-load.pool.js';
import { encodeRulesResponse } from '../../src/rules/rules.proto.js';
import { RulesRepository } from '../../src/rules/rules.repository.js';
import { eventually } from '../support/eventually.js';
import { createTestDatabase, MARIADB_ROOT_URL } from '../support/mariadb.js';
import { freePort } from '../support/ports.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const SEED = { seed: 17, channels: 3, includeHugeChannel: true };

class RecordingObserver implements RulesLoadObserver {
  readonly queries: QueryEvent[] = [];
  queryRan(_dialect: string, event: QueryEvent) {
    this.queries.push(event);
  }
  loadFinished() {}
  loadsQueued() {}
}

function mysqlSettings(url: string): AppConfig['database'] {
  return { url, dialect: 'mysql', poolSize: 2, queryTimeoutMs: 30_000, seedWhenEmpty: false };
}

/** Statements of `databaseName` the server holds waiting for a table lock. */
async function waitingForLock(admin: Connection, databaseName: string): Promise<number> {
  const [rows] = await admin.query(
    "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND STATE LIKE 'Waiting for table%'",
    [databaseName],
  );
  return Number((rows as Array<{ n: number }>)[0].n);
}

async function connectionsTo(admin: Connection, databaseName: string): Promise<number> {
  const [rows] = await admin.query('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ?', [
    databaseName,
  ]);
  return Number((rows as Array<{ n: number }>)[0].n);
}

describe(`${RulesLoadPool.name} on MariaDB`, () => {
  let mariadb: Awaited<ReturnType<typeof createTestDatabase>>;
  let database: Database;
  let repository: RulesRepository;
  let admin: Connection;
  let observer: RecordingObserver;
  let sut: RulesLoadPool;

  beforeAll(async () => {
    mariadb = await createTestDatabase('rules_load');
    database = Database.open(mysqlSettings(mariadb.url));
    await database.migrate();
    await seedReplica(database.db, SEED);
    repository = new RulesRepository(database);
    admin = await createConnection({ uri: MARIADB_ROOT_URL });
    observer = new RecordingObserver();
    sut = new RulesLoadPool(
      { database: mysqlSettings(mariadb.url), threads: 2, tasksPerThread: 2 },
      observer,
    );
  }, 180_000);

  afterAll(async () => {
    await sut?.close();
    await admin?.end();
    await database?.close();
    await mariadb?.drop();
  }, 60_000);

  beforeEach(() => {
    observer.queries.length = 0;
  });

  it.each([SEEDED_CHANNELS.small, SEEDED_CHANNELS.large, SEEDED_CHANNELS.huge])(
    'answers %s with exactly the bytes encodeRulesResponse gives for the in-process read',
    async (id) => {
      const [coverage, population] = await Promise.all([
        sut.loadCoverageRules(id),
        sut.loadPopulationMembershipRules(id),
      ]);

      const rules = await repository.loadCoverageRules(id);
      const members = await repository.loadPopulationMembershipRules(id);
      // Buffer.equals: jest's deep equality walks a multi-megabyte buffer byte by byte.
      expect(coverage?.equals(encodeRulesResponse('GetCoverageRules', rules!))).toBe(true);
      expect(population?.equals(encodeRulesResponse('GetPopulationMembershipRules', members!))).toBe(true);
      expect(coverage?.length).toBeGreaterThan(0);
    },
    120_000,
  );

  it('reports every statement of the huge read for the query metrics, each binding three or fewer placeholders', async () => {
    await sut.loadCoverageRules(SEEDED_CHANNELS.huge);

    // channel + 14 pages × (contracts, prefixes) + provisioning, inside one transaction.
    expect(observer.queries.length).toBeGreaterThanOrEqual(30);
    expect(Math.max(...observer.queries.map((q) => q.parameters))).toBeLessThanOrEqual(3);
    expect(observer.queries.some((q) => q.failed)).toBe(false);
  }, 120_000);

  it('stops a cancelled load between statements, rejects it with RequestCancelled, and keeps the thread', async () => {
    const lock = await createConnection({ uri: mariadb.url });
    try {
      // The load reads the channel, then its first page of contracts waits on this lock.
      await lock.query('LOCK TABLES sc_benefit_contract WRITE');
      const caller = new AbortController();
      const loading = sut.loadCoverageRules(SEEDED_CHANNELS.huge, caller.signal);
      loading.catch(() => undefined);
      expect(await eventually(async () => (await waitingForLock(admin, mariadb.name)) > 0, 30_000)).toBe(
        true,
      );

      caller.abort();
      await lock.query('UNLOCK TABLES');

      await expect(loading).rejects.toThrow(RequestCancelled);
    } finally {
      await lock.end();
    }
    const selects = observer.queries.filter((q) => q.parameters > 0);
    // The channel, the page that was waiting and its prefixes: not the 13 pages after it, nor provisioning.
    expect(selects).toHaveLength(3);

    observer.queries.length = 0;
    await expect(sut.loadCoverageRules(SEEDED_CHANNELS.small)).resolves.toBeInstanceOf(Buffer);
  }, 120_000);

  it('says DependencyUnavailable while the database is unreachable, and reads again once it is back', async () => {
    const proxy = await TcpProxy.start(await freePort(), { host: '127.0.0.1', port: 3306 });
    const proxied = new RulesLoadPool(
      {
        database: mysqlSettings(mariadb.url.replace(':3306', `:${proxy.port}`)),
        threads: 1,
        tasksPerThread: 1,
      },
      observer,
    );
    try {
      await expect(proxied.loadCoverageRules(SEEDED_CHANNELS.small)).resolves.toBeInstanceOf(Buffer);

      await proxy.cut();
      const failure = proxied.loadCoverageRules(SEEDED_CHANNELS.small);
      await expect(failure).rejects.toThrow(DependencyUnavailable);
      await expect(failure).rejects.toMatchObject({ dependency: 'database' });

      await proxy.restore();
      await expect(proxied.loadCoverageRules(SEEDED_CHANNELS.small)).resolves.toBeInstanceOf(Buffer);
    } finally {
      await proxied.close();
      await proxy.close();
    }
  }, 120_000);

  it('closes the connections its threads opened when it closes', async () => {
    const baseline = await connectionsTo(admin, mariadb.name);
    const closing = new RulesLoadPool(
      { database: mysqlSettings(mariadb.url), threads: 2, tasksPerThread: 2 },
      observer,
    );
    await Promise.all(
      [SEEDED_CHANNELS.small, SEEDED_CHANNELS.large, SEEDED_CHANNELS.small, SEEDED_CHANNELS.large].map((id) =>
        closing.loadCoverageRules(id),
      ),
    );
    expect(await connectionsTo(admin, mariadb.name)).toBeGreaterThan(baseline);

    await closing.close();

    // The server drops a closed connection from its process list a moment after the client quits.
    expect(
      await eventually(async () => (await connectionsTo(admin, mariadb.name)) === baseline, 10_000),
    ).toBe(true);
  }, 120_000);
});
