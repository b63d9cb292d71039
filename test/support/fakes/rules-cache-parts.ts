import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AppConfig } from '../../../src/config/app-config.js';
import { RulesCacheMetrics } from '../../../src/platform/metrics/rules-cache.metrics.js';
import { CircuitBreaker } from '../../../src/rules-cache/circuit-breaker.js';
import type { InvalidationBus, InvalidationMessage } from '../../../src/rules-cache/invalidation-bus.js';
import { L1MemoryCache } from '../../../src/rules-cache/l1-memory-cache.js';
import { EnvelopeCodec } from '../../../src/rules-cache/l2-envelope.js';
import { L2RedisCache } from '../../../src/rules-cache/l2-redis-cache.js';
import { RulesCache } from '../../../src/rules-cache/rules-cache.js';
import { FakeClock, FakeRandom } from './fake-clock.js';
import { MemoryL2Store } from './memory-l2.store.js';

/** RulesCacheMetrics on a registry of its own, so a test reads exactly its own counts. */
export function isolatedRulesCacheMetrics() {
  const registry = new Registry();
  const registers = [registry];
  const counter = (name: string, labelNames: string[]) =>
    new Counter({ name, help: name, labelNames, registers });
  const gauge = (name: string) => new Gauge({ name, help: name, registers });
  const metrics = new RulesCacheMetrics(
    counter('requests', ['kind', 'result']),
    counter('loads', ['kind']),
    counter('coalesced', ['kind', 'scope']),
    counter('refreshes', ['kind', 'trigger']),
    counter('fenced', ['kind']),
    new Histogram({ name: 'redis_seconds', help: 'x', labelNames: ['operation'], registers }),
    counter('redis_errors', ['operation']),
    gauge('breaker'),
    gauge('l1_entries'),
    gauge('l1_bytes'),
    counter('invalidations', ['kind', 'scope', 'origin']),
  );
  const value = async (name: string, labels: Record<string, string> = {}) => {
    const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
    return (metric?.values ?? [])
      .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
      .reduce((sum, v) => sum + Number(v.value), 0);
  };
  return { metrics, value };
}

/** A pub/sub bus shared by the instances of one test. */
export class MemoryBus {
  private readonly subscribers: Array<{ bus: object; onMessage: (m: InvalidationMessage) => void }> = [];

  forInstance(): InvalidationBus {
    const bus = {
      start: async (onMessage: (m: InvalidationMessage) => void) => {
        this.subscribers.push({ bus, onMessage });
      },
      publish: async (message: InvalidationMessage) => {
        for (const s of this.subscribers) if (s.bus !== bus) s.onMessage(structuredClone(message));
      },
    };
    return bus as unknown as InvalidationBus;
  }
}

export const TEST_CACHE_SETTINGS: AppConfig['rulesCache'] = {
  enabled: true,
  ttlMs: 600_000,
  ttlJitter: 0.1,
  freshFraction: 0.8,
  graceMs: 3_600_000,
  negativeTtlMs: 30_000,
  l1MaxEntries: 1_000,
  l1MaxBytes: 64 * 1024 * 1024,
  compressAboveBytes: 8_192,
  lockTtlMs: 5_000,
  lockWaitMs: 200,
  xfetchBeta: 1,
  breakerFailures: 3,
  breakerCooldownMs: 5_000,
  invalidationStaleMs: 500,
};

/** One cache instance over a shared store, clock and bus, as each service instance would have. */
export async function rulesCacheInstance(
  parts: { clock: FakeClock; random: FakeRandom; store: MemoryL2Store; bus: MemoryBus },
  settings: Partial<AppConfig['rulesCache']> = {},
) {
  const config = {
    rulesCache: { ...TEST_CACHE_SETTINGS, ...settings },
    redis: { keyPrefix: 'test:' },
  } as AppConfig;
  const { metrics, value } = isolatedRulesCacheMetrics();
  const breaker = new CircuitBreaker(
    { failureThreshold: config.rulesCache.breakerFailures, cooldownMs: config.rulesCache.breakerCooldownMs },
    parts.clock,
  );
  const l1 = new L1MemoryCache({
    maxEntries: config.rulesCache.l1MaxEntries,
    maxBytes: config.rulesCache.l1MaxBytes,
  });
  const l2 = new L2RedisCache(
    parts.store,
    new EnvelopeCodec(config.rulesCache.compressAboveBytes),
    breaker,
    metrics,
  );
  const cache = new RulesCache(config, l1, l2, parts.bus.forInstance(), metrics, parts.clock, parts.random);
  await cache.start(['coverage_rules', 'population_membership_rules']);
  return { cache, l1, breaker, metric: value };
}
