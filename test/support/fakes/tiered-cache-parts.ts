import { createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AppConfig } from '../../../src/config/app-config.js';
import { RulesCacheMetrics } from '../../../src/platform/metrics/rules-cache.metrics.js';
import { createTieredCache } from '../../../src/tiered-cache/create-tiered-cache.js';
import type { PubSubTransport } from '../../../src/tiered-cache/invalidation-bus.js';
import { LruKeyvStore } from '../../../src/tiered-cache/tiers/lru-keyv.store.js';
import type { FakeClock, FakeRandom } from './fake-clock.js';
import type { MemoryL2Store } from './memory-l2.store.js';

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
    counter('takeovers', ['kind']),
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

/** A pub/sub transport shared by the instances of one test (delivery is synchronous). */
export class MemoryPubSub {
  private readonly subscribers: Array<{ owner: object; handler: (message: string) => void }> = [];
  /** Set to make every publish fail, as a Redis that refuses it. */
  failing = false;

  forInstance(): PubSubTransport {
    const owner = {};
    return {
      publish: async (_channel: string, message: string) => {
        if (this.failing) throw new Error('Command timed out');
        for (const s of this.subscribers) s.handler(message);
        return this.subscribers.length;
      },
      subscribe: async (_channel: string, handler: (message: string) => void) => {
        this.subscribers.push({ owner, handler });
      },
    };
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
  leaseTtlMs: 5_000,
  xfetchBeta: 1,
  breakerFailures: 3,
  breakerCooldownMs: 5_000,
  invalidationStaleMs: 500,
};

export const TEST_NAMESPACES = ['coverage_rules', 'population_membership_rules'] as const;

/**
 * One tiered cache over cache-manager with an in-process L1 and the shared in-memory L2, on a
 * shared clock and pub/sub, as each service instance would have.
 */
export async function tieredCacheInstance(
  shared: { clock: FakeClock; random: FakeRandom; store: MemoryL2Store; pubsub: MemoryPubSub },
  settings: Partial<AppConfig['rulesCache']> = {},
) {
  const merged = { ...TEST_CACHE_SETTINGS, ...settings };
  const { metrics, value } = isolatedRulesCacheMetrics();
  const asIs = { useKeyPrefix: false, serialize: undefined, deserialize: undefined };
  const l1 = new Keyv({
    ...asIs,
    store: new LruKeyvStore({ maxEntries: merged.l1MaxEntries, maxBytes: merged.l1MaxBytes }),
  });
  const l2 = new Keyv({ ...asIs, throwOnErrors: true, store: shared.store });
  l2.on('error', () => undefined);
  const tiered = createTieredCache({
    cache: createCache({ stores: [l1, l2] }),
    settings: merged,
    keyPrefix: 'test:',
    cacheName: 'rules_cache',
    namespaces: TEST_NAMESPACES,
    transport: shared.pubsub.forInstance(),
    metrics,
    clock: shared.clock,
    random: shared.random,
  });
  await tiered.invalidator.start(TEST_NAMESPACES);
  return { ...tiered, metric: value };
}
