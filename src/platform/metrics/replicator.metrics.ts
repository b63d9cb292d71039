import { Injectable } from '@nestjs/common';
import {
  InjectMetric,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { MetricNames } from './metric-names.js';

export type SyncEventSource = 'stream' | 'http';
export type SyncEventOutcome = 'applied' | 'rejected' | 'failed' | 'dead_lettered';

export const replicatorMetricProviders = [
  makeCounterProvider({
    name: MetricNames.replicatorEventsTotal,
    help: 'Replicator sync events handled, by table, source and outcome.',
    labelNames: ['table', 'source', 'outcome'],
  }),
  makeHistogramProvider({
    name: MetricNames.replicatorInvalidationLagSeconds,
    help: 'From the event’s syncedAt to its invalidation being applied.',
    labelNames: ['source'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  }),
  makeCounterProvider({
    name: MetricNames.replicatorWholeKindFallbacksTotal,
    help: 'Sync events whose population ids could not be traced to channels (database down), applied by invalidating whole kinds instead.',
    labelNames: ['table'],
  }),
  makeCounterProvider({
    name: MetricNames.rulesCacheKeysDeletedTotal,
    help: 'Rules cache entries deleted from Redis by invalidations and flushes.',
    labelNames: ['kind', 'cause'],
  }),
  makeGaugeProvider({
    name: MetricNames.replicatorStreamPending,
    help: 'Sync-event stream entries delivered to the consumer group and not yet acknowledged.',
  }),
  makeGaugeProvider({
    name: MetricNames.replicatorDeadLetterEntries,
    help: 'Entries in the sync-event dead-letter stream (anything above 0 needs a person).',
  }),
];

@Injectable()
export class ReplicatorMetrics {
  constructor(
    @InjectMetric(MetricNames.replicatorEventsTotal) private readonly events: Counter<string>,
    @InjectMetric(MetricNames.replicatorInvalidationLagSeconds) private readonly lag: Histogram<string>,
    @InjectMetric(MetricNames.replicatorWholeKindFallbacksTotal) private readonly fallbacks: Counter<string>,
    @InjectMetric(MetricNames.rulesCacheKeysDeletedTotal) private readonly deleted: Counter<string>,
    @InjectMetric(MetricNames.replicatorStreamPending) private readonly pending: Gauge<string>,
    @InjectMetric(MetricNames.replicatorDeadLetterEntries) private readonly deadLetters: Gauge<string>,
  ) {}

  eventHandled(table: string, source: SyncEventSource, outcome: SyncEventOutcome) {
    this.events.inc({ table, source, outcome });
  }

  invalidationLag(source: SyncEventSource, seconds: number) {
    this.lag.observe({ source }, Math.max(0, seconds));
  }

  wholeKindFallback(table: string) {
    this.fallbacks.inc({ table });
  }

  keysDeleted(kind: string, cause: 'sync_event' | 'admin_flush', count: number) {
    if (count > 0) this.deleted.inc({ kind, cause }, count);
  }

  streamBacklog(pending: number, deadLetters: number) {
    this.pending.set(pending);
    this.deadLetters.set(deadLetters);
  }
}
