import { Injectable } from '@nestjs/common';
import { InjectMetric, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Gauge, Histogram } from 'prom-client';
import type { QueryEvent } from '../../infrastructure/database/database.js';
import { LATENCY_BUCKETS_SECONDS, MetricNames } from './metric-names.js';

/** How a rules load on a worker thread ended. */
export type RulesLoadOutcome = 'ok' | 'not_found' | 'cancelled' | 'unavailable' | 'error';

export const databaseMetricProviders = [
  makeHistogramProvider({
    name: MetricNames.databaseQueryDurationSeconds,
    help: 'Duration of each statement sent to the SQL replica.',
    labelNames: ['dialect', 'outcome'],
    buckets: LATENCY_BUCKETS_SECONDS,
  }),
  makeHistogramProvider({
    name: MetricNames.rulesLoadDurationSeconds,
    help: 'Rules loads on the worker threads, from submission to answer (time waiting for a thread included).',
    labelNames: ['kind', 'outcome'],
    buckets: LATENCY_BUCKETS_SECONDS,
  }),
  makeGaugeProvider({
    name: MetricNames.rulesLoadQueueDepth,
    help: 'Rules loads waiting for a free worker thread (RULES_LOAD_THREADS × RULES_LOAD_TASKS_PER_THREAD run at once).',
  }),
];

/** The SQL replica's reads: each statement, and each rules load the worker threads run. */
@Injectable()
export class DatabaseMetrics {
  constructor(
    @InjectMetric(MetricNames.databaseQueryDurationSeconds) private readonly seconds: Histogram<string>,
    @InjectMetric(MetricNames.rulesLoadDurationSeconds) private readonly loadSeconds: Histogram<string>,
    @InjectMetric(MetricNames.rulesLoadQueueDepth) private readonly queueDepth: Gauge<string>,
  ) {}

  queryRan(dialect: string, event: QueryEvent) {
    this.seconds.observe({ dialect, outcome: event.failed ? 'error' : 'ok' }, event.durationSeconds);
  }

  loadFinished(kind: string, outcome: RulesLoadOutcome, seconds: number) {
    this.loadSeconds.observe({ kind, outcome }, seconds);
  }

  loadsQueued(depth: number) {
    this.queueDepth.set(depth);
  }
}
