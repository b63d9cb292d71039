import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '../../config/app-config.js';
import { Database, type QueryEvent } from '../../infrastructure/database/database.js';
import { SEEDED_CHANNELS } from '../../infrastructure/database/seed/replica-generator.js';
import { seedReplica } from '../../infrastructure/database/seed/seed-replica.js';
import { DependencyUnavailable, RequestCancelled } from '../../platform/errors/domain-errors.js';
import type { RulesLoadOutcome } from '../../platform/metrics/database.metrics.js';
import { encodeRulesResponse } from '../rules.proto.js';
import { RulesRepository } from '../rules.repository.js';
import type { RulesKind } from '../rules.types.js';
import { type RulesLoadObserver, RulesLoadPool } from './rules-load.pool.js';

/** Starting threads that compile the sources with swc takes seconds on a busy machine. */
const THREADS_START_MS = 60_000;

class RecordingObserver implements RulesLoadObserver {
  readonly queries: QueryEvent[] = [];
  readonly loads: Array<{ kind: RulesKind; outcome: RulesLoadOutcome }> = [];
  queryRan(_dialect: string, event: QueryEvent) {
    this.queries.push(event);
  }
  loadFinished(kind: RulesKind, outcome: RulesLoadOutcome) {
    this.loads.push({ kind, outcome });
  }
  loadsQueued() {}
}

function sqliteSettings(url: string): AppConfig['database'] {
  return { url, dialect: 'sqlite', poolSize: 1, queryTimeoutMs: 5_000, seedWhenEmpty: false };
}

describe(RulesLoadPool.name, () => {
  let folder: string;
  let database: Database;
  let inProcessQueries: QueryEvent[];
  let repository: RulesRepository;
  let observer: RecordingObserver;
  let sut: RulesLoadPool;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'rules-load-pool-'));
    const url = `sqlite:${join(folder, 'rules.sqlite')}`;
    inProcessQueries = [];
    database = Database.open(sqliteSettings(url), (event) => inProcessQueries.push(event));
    await database.migrate();
    await seedReplica(database.db, { seed: 3, channels: 3, includeHugeChannel: false });
    repository = new RulesRepository(database);
    observer = new RecordingObserver();
    sut = new RulesLoadPool({ database: sqliteSettings(url), threads: 1, tasksPerThread: 2 }, observer);
  }, THREADS_START_MS);

  afterAll(async () => {
    await sut?.close();
    await database?.close();
    rmSync(folder, { recursive: true, force: true });
  }, THREADS_START_MS);

  beforeEach(() => {
    observer.queries.length = 0;
    observer.loads.length = 0;
    inProcessQueries.length = 0;
  });

  describe('loadCoverageRules', () => {
    it.each([SEEDED_CHANNELS.small, SEEDED_CHANNELS.large])(
      'answers %s with exactly the bytes the in-process read encodes to',
      async (id) => {
        const bytes = await sut.loadCoverageRules(id);

        const expected = encodeRulesResponse('GetCoverageRules', (await repository.loadCoverageRules(id))!);
        expect(bytes).toEqual(expected);
        expect(observer.loads).toEqual([{ kind: 'coverage_rules', outcome: 'ok' }]);
      },
      THREADS_START_MS,
    );

    it('reports the statements the thread ran, as many as the in-process read runs', async () => {
      await sut.loadCoverageRules(SEEDED_CHANNELS.large);
      await repository.loadCoverageRules(SEEDED_CHANNELS.large);

      expect(observer.queries.length).toBeGreaterThan(0);
      expect(observer.queries).toHaveLength(inProcessQueries.length);
      expect(observer.queries.every((q) => !q.failed && q.durationSeconds >= 0)).toBe(true);
    });

    it('answers undefined for an unknown channel', async () => {
      await expect(sut.loadCoverageRules('no-such-channel')).resolves.toBeUndefined();
      expect(observer.loads).toEqual([{ kind: 'coverage_rules', outcome: 'not_found' }]);
    });

    it('rejects with RequestCancelled, sending nothing to a thread, when the caller has already gone', async () => {
      const controller = new AbortController();
      controller.abort();

      await expect(sut.loadCoverageRules(SEEDED_CHANNELS.small, controller.signal)).rejects.toThrow(
        RequestCancelled,
      );
      expect(observer.queries).toEqual([]);
    });
  });

  describe('loadPopulationMembershipRules', () => {
    it('answers with exactly the bytes the in-process read encodes to', async () => {
      const id = SEEDED_CHANNELS.large;
      const bytes = await sut.loadPopulationMembershipRules(id);

      const rules = await repository.loadPopulationMembershipRules(id);
      expect(bytes).toEqual(encodeRulesResponse('GetPopulationMembershipRules', rules!));
    });
  });

  it('refuses an in-memory SQLite database, which a thread cannot share', () => {
    expect(
      () =>
        new RulesLoadPool(
          { database: sqliteSettings('sqlite::memory:'), threads: 1, tasksPerThread: 1 },
          observer,
        ),
    ).toThrow(/DATABASE_URL: an in-memory SQLite database cannot be shared/);
  });

  describe('close', () => {
    it(
      'lets the loads in flight finish, then answers DependencyUnavailable',
      async () => {
        const url = `sqlite:${join(folder, 'rules.sqlite')}`;
        const closing = new RulesLoadPool(
          { database: sqliteSettings(url), threads: 1, tasksPerThread: 1 },
          observer,
        );
        const inFlight = closing.loadCoverageRules(SEEDED_CHANNELS.small);

        await closing.close();

        await expect(inFlight).resolves.toBeInstanceOf(Buffer);
        await expect(closing.loadCoverageRules(SEEDED_CHANNELS.small)).rejects.toThrow(DependencyUnavailable);
      },
      THREADS_START_MS,
    );
  });
});
