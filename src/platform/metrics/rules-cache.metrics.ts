import { Injectable } from '@nestjs/common';
import {
  InjectMetric,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type {
  BreakerState,
  CacheResult,
  L2Operation,
  RefreshTrigger,
  TieredCacheMetrics,
} from '../../tiered-cache/tiered-cache.metrics.js';
import { LATENCY_BUCKETS_SECONDS, MetricNames } from './metric-names.js';

const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export const rulesCacheMetricProviders = [
  makeCounterProvider({
    name: MetricNames.rulesCacheRequestsTotal,
    help: 'Rules requests by how the cache answered them.',
    labelNames: ['kind', 'result'],
  }),
  makeCounterProvider({
    name: MetricNames.rulesDbLoadsTotal,
    help: 'Rules loads that went to the SQL replica (cache misses, refreshes, cache off).',
    labelNames: ['kind'],
  }),
  makeCounterProvider({
    name: MetricNames.rulesCacheCoalescedTotal,
    help: 'Requests that shared another request’s load instead of starting one (in-process or across instances).',
    labelNames: ['kind', 'scope'],
  }),
  makeCounterProvider({
    name: MetricNames.rulesCacheLeaseTakeoversTotal,
    help: 'Loads a waiting instance took over because the lease holder finished without an entry (fenced or failed) or died and its lease lapsed.',
    labelNames: ['kind'],
  }),
  makeCounterProvider({
    name: MetricNames.rulesCacheRefreshesTotal,
    help: 'Background refreshes started, by trigger (stale-while-revalidate, XFetch early refresh).',
    labelNames: ['kind', 'trigger'],
  }),
  makeCounterProvider({
    name: MetricNames.rulesCacheWritesFencedTotal,
    help: 'Loaded values not written back because an invalidation arrived during the load.',
    labelNames: ['kind'],
  }),
  makeHistogramProvider({
    name: MetricNames.rulesCacheRedisDurationSeconds,
    help: 'Latency of the rules cache’s Redis operations.',
    labelNames: ['operation'],
    buckets: LATENCY_BUCKETS_SECONDS,
  }),
  makeCounterProvider({
    name: MetricNames.rulesCacheRedisErrorsTotal,
    help: 'Rules cache Redis operations that failed or timed out (the request carried on without Redis).',
    labelNames: ['operation'],
  }),
  makeGaugeProvider({
    name: MetricNames.rulesCacheBreakerState,
    help: 'Redis circuit breaker of the rules cache: 0 closed, 1 half-open, 2 open.',
  }),
  makeGaugeProvider({
    name: MetricNames.rulesCacheL1Entries,
    help: 'Entries in the in-process (L1) rules cache.',
  }),
  makeGaugeProvider({
    name: MetricNames.rulesCacheL1Bytes,
    help: 'Estimated bytes held by the in-process (L1) rules cache.',
  }),
  makeCounterProvider({
    name: MetricNames.rulesCacheInvalidationsTotal,
    help: 'Invalidations applied to this instance’s cache, by scope and origin.',
    labelNames: ['kind', 'scope', 'origin'],
  }),
];

@Injectable()
export class RulesCacheMetrics implements TieredCacheMetrics {
  constructor(
    @InjectMetric(MetricNames.rulesCacheRequestsTotal) private readonly requests: Counter<string>,
    @InjectMetric(MetricNames.rulesDbLoadsTotal) private readonly loads: Counter<string>,
    @InjectMetric(MetricNames.rulesCacheCoalescedTotal) private readonly coalesced: Counter<string>,
    @InjectMetric(MetricNames.rulesCacheLeaseTakeoversTotal) private readonly takeovers: Counter<string>,
    @InjectMetric(MetricNames.rulesCacheRefreshesTotal) private readonly refreshes: Counter<string>,
    @InjectMetric(MetricNames.rulesCacheWritesFencedTotal) private readonly fenced: Counter<string>,
    @InjectMetric(MetricNames.rulesCacheRedisDurationSeconds)
    private readonly redisSeconds: Histogram<string>,
    @InjectMetric(MetricNames.rulesCacheRedisErrorsTotal) private readonly redisErrors: Counter<string>,
    @InjectMetric(MetricNames.rulesCacheBreakerState) private readonly breaker: Gauge<string>,
    @InjectMetric(MetricNames.rulesCacheL1Entries) private readonly l1Entries: Gauge<string>,
    @InjectMetric(MetricNames.rulesCacheL1Bytes) private readonly l1Bytes: Gauge<string>,
    @InjectMetric(MetricNames.rulesCacheInvalidationsTotal) private readonly invalidations: Counter<string>,
  ) {}

  request(kind: string, result: CacheResult) {
    this.requests.inc({ kind, result });
  }

  databaseLoad(kind: string) {
    this.loads.inc({ kind });
  }

  coalescedLoad(kind: string, scope: 'process' | 'cluster') {
    this.coalesced.inc({ kind, scope });
  }

  leaseTakenOver(kind: string) {
    this.takeovers.inc({ kind });
  }

  refreshStarted(kind: string, trigger: RefreshTrigger) {
    this.refreshes.inc({ kind, trigger });
  }

  writeFenced(kind: string) {
    this.fenced.inc({ kind });
  }

  redisOperation(operation: L2Operation, seconds: number, failed: boolean) {
    this.redisSeconds.observe({ operation }, seconds);
    if (failed) this.redisErrors.inc({ operation });
  }

  breakerState(state: BreakerState) {
    this.breaker.set(BREAKER_STATE_VALUE[state]);
  }

  l1Size(entries: number, bytes: number) {
    this.l1Entries.set(entries);
    this.l1Bytes.set(bytes);
  }

  /** This instance's request counts by result, and its database loads, for the admin stats. */
  async snapshot(): Promise<{ requests: Record<CacheResult, number>; databaseLoads: number }> {
    const requests: Record<CacheResult, number> = {
      hit_l1: 0,
      hit_l2: 0,
      stale: 0,
      miss: 0,
      negative: 0,
      error: 0,
    };
    for (const { labels, value } of (await this.requests.get()).values) {
      const result = labels.result as CacheResult;
      if (result in requests) requests[result] += value;
    }
    const databaseLoads = (await this.loads.get()).values.reduce((sum, v) => sum + v.value, 0);
    return { requests, databaseLoads };
  }

  invalidated(kind: string, scope: 'keys' | 'kind', origin: 'local' | 'remote', count = 1) {
    this.invalidations.inc({ kind, scope, origin }, count);
  }
}
