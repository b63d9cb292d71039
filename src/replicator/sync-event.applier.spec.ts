import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DependencyUnavailable } from '../platform/errors/domain-errors.js';
import { ReplicatorMetrics } from '../platform/metrics/replicator.metrics.js';
import type { RulesRepository } from '../rules/rules.repository.js';
import type { RulesCache } from '../rules-cache/rules-cache.js';
import type { RulesKind } from '../rules-cache/rules-cache-keys.js';
import { SyncEventApplier } from './sync-event.applier.js';

/** The cache's invalidation side, recording what it was asked to drop. */
class RecordingCache {
  readonly calls: Array<[RulesKind, string[] | 'all']> = [];
  async invalidateChannels(kind: RulesKind, ids: readonly string[]) {
    this.calls.push([kind, [...ids]]);
    return ids.length;
  }
  async invalidateKind(kind: RulesKind) {
    this.calls.push([kind, 'all']);
    return 0;
  }
}

function replicatorMetrics() {
  const registers = [new Registry()];
  const counter = (name: string, labelNames: string[]) =>
    new Counter({ name, help: name, labelNames, registers });
  const fallbacks = counter('fallbacks', ['table']);
  const metrics = new ReplicatorMetrics(
    counter('events', ['table', 'source', 'outcome']),
    new Histogram({ name: 'lag', help: 'lag', labelNames: ['source'], registers }),
    fallbacks,
    counter('deleted', ['kind', 'cause']),
    new Gauge({ name: 'pending', help: 'pending', registers }),
    new Gauge({ name: 'dead', help: 'dead', registers }),
  );
  const fallbackCount = async () => (await fallbacks.get()).values.reduce((sum, v) => sum + v.value, 0);
  return { metrics, fallbackCount };
}

const syncedAt = new Date().toISOString();

describe(SyncEventApplier.name, () => {
  let cache: RecordingCache;
  let resolvePopulations: jest.Mock;
  let fallbackCount: () => Promise<number>;
  let sut: SyncEventApplier;

  beforeEach(() => {
    cache = new RecordingCache();
    resolvePopulations = jest.fn();
    const metrics = replicatorMetrics();
    fallbackCount = metrics.fallbackCount;
    sut = new SyncEventApplier(
      cache as unknown as RulesCache,
      { resolvePopulations } as unknown as RulesRepository,
      metrics.metrics,
    );
  });

  describe('apply', () => {
    it('invalidates the named channels of every kind the table feeds', async () => {
      const applied = await sut.apply(
        { table: 'enrollment_channel', enrollmentChannelIds: ['ec-1', 'ec-2'], syncedAt },
        'http',
      );
      expect(cache.calls).toEqual([
        ['coverage_rules', ['ec-1', 'ec-2']],
        ['population_membership_rules', ['ec-1', 'ec-2']],
      ]);
      expect(applied.invalidated).toEqual({
        coverage_rules: ['ec-1', 'ec-2'],
        population_membership_rules: ['ec-1', 'ec-2'],
      });
    });

    it('invalidates whole kinds for an event that names no ids', async () => {
      await sut.apply({ table: 'sc_benefit_contract', syncedAt }, 'stream');
      expect(cache.calls).toEqual([['coverage_rules', 'all']]);
    });

    it('resolves population ids to their channels and invalidates only those', async () => {
      resolvePopulations.mockResolvedValue({ channelIds: ['ec-7'], unknown: [] });
      await sut.apply({ table: 'population', populationIds: ['p-1'], syncedAt }, 'stream');
      expect(cache.calls).toEqual([['population_membership_rules', ['ec-7']]]);
    });

    it('invalidates the whole kind when a population is no longer in the replica', async () => {
      resolvePopulations.mockResolvedValue({ channelIds: [], unknown: ['p-gone'] });
      await sut.apply({ table: 'population', populationIds: ['p-gone'], syncedAt }, 'stream');
      expect(cache.calls).toEqual([['population_membership_rules', 'all']]);
      expect(await fallbackCount()).toBe(0);
    });

    it('falls back to the whole kind, counted, when the database cannot resolve populations', async () => {
      resolvePopulations.mockRejectedValue(new DependencyUnavailable('database'));
      const applied = await sut.apply(
        { table: 'population_membership_rule', populationIds: ['p-1'], syncedAt },
        'stream',
      );
      expect(cache.calls).toEqual([['population_membership_rules', 'all']]);
      expect(applied.invalidated).toEqual({ population_membership_rules: 'all' });
      expect(await fallbackCount()).toBe(1);
    });

    it('fails, so the caller retries, when the cache cannot take the invalidation', async () => {
      jest.spyOn(cache, 'invalidateKind').mockRejectedValue(new DependencyUnavailable('redis'));
      await expect(sut.apply({ table: 'population', syncedAt }, 'stream')).rejects.toThrow(
        DependencyUnavailable,
      );
    });
  });
});
