import { Database } from '../../src/infrastructure/database/database.js';
import { SEEDED_CHANNELS, SEEDED_SIZES } from '../../src/infrastructure/database/seed/replica-generator.js';
import { seedReplica } from '../../src/infrastructure/database/seed/seed-replica.js';
import { RulesRepository } from '../../src/rules/rules.repository.js';
import { createTestDatabase, globalStatus } from '../support/mariadb.js';

const SEED = { seed: 11, channels: 3, includeHugeChannel: true };

describe(`${RulesRepository.name} on MariaDB`, () => {
  let mariadb: Awaited<ReturnType<typeof createTestDatabase>>;
  let database: Database;
  let sut: RulesRepository;
  const parameterCounts: number[] = [];

  beforeAll(async () => {
    mariadb = await createTestDatabase('rules_repo');
    database = Database.open(
      { url: mariadb.url, dialect: 'mysql', poolSize: 4, queryTimeoutMs: 30_000, seedWhenEmpty: false },
      (event) => parameterCounts.push(event.parameters),
    );
    await database.migrate();
    await seedReplica(database.db, SEED);
    sut = new RulesRepository(database);
  }, 120_000);

  afterAll(async () => {
    await database?.close();
    await mariadb?.drop();
  });

  it('returns all 70,000 contracts of the huge channel, each with its prefixes, in id order', async () => {
    const rules = await sut.loadCoverageRules(SEEDED_CHANNELS.huge);

    const contracts = rules!.benefitContracts;
    expect(contracts).toHaveLength(SEEDED_SIZES.huge);
    expect(contracts.every((c) => c.alphaPrefixes.length >= 1 && c.alphaPrefixes.length <= 3)).toBe(true);
    const ids = contracts.map((c) => c.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(SEEDED_SIZES.huge);
  }, 60_000);

  it('never binds an unbounded number of placeholders: every statement of the huge read binds three or fewer', async () => {
    parameterCounts.length = 0;
    const selectsBefore = await globalStatus('Com_select');

    await sut.loadCoverageRules(SEEDED_CHANNELS.huge);

    const selects = (await globalStatus('Com_select')) - selectsBefore;
    // channel + 14 pages × (contracts, prefixes) + the empty page that ends the keyset +
    // provisioning = 31 queries, counted by our own
    // query log (the read-only transaction's own statements bind nothing); the server's
    // Com_select is global (any other client adds to it), so it only shows those reached MariaDB.
    expect(parameterCounts.filter((count) => count > 0)).toHaveLength(31);
    expect(Math.max(...parameterCounts)).toBeLessThanOrEqual(3);
    expect(selects).toBeGreaterThanOrEqual(30);
  }, 60_000);

  it('assembles exactly what SQLite assembles from the same data: one query path for both dialects', async () => {
    const sqlite = Database.open({
      url: 'sqlite::memory:',
      dialect: 'sqlite',
      poolSize: 1,
      queryTimeoutMs: 30_000,
      seedWhenEmpty: false,
    });
    try {
      await sqlite.migrate();
      await seedReplica(sqlite.db, { ...SEED, includeHugeChannel: false });
      const fromSqlite = new RulesRepository(sqlite);
      for (const id of [SEEDED_CHANNELS.small, SEEDED_CHANNELS.large]) {
        expect(JSON.stringify(await sut.loadCoverageRules(id))).toBe(
          JSON.stringify(await fromSqlite.loadCoverageRules(id)),
        );
        expect(JSON.stringify(await sut.loadPopulationMembershipRules(id))).toBe(
          JSON.stringify(await fromSqlite.loadPopulationMembershipRules(id)),
        );
      }
    } finally {
      await sqlite.close();
    }
  }, 60_000);
});
