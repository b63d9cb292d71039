import { Injectable } from '@nestjs/common';
import { InjectMetric, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Histogram } from 'prom-client';
import type { QueryEvent } from '../../infrastructure/database/database.js';
import { LATENCY_BUCKETS_SECONDS, MetricNames } from './metric-names.js';

export const databaseMetricProviders = [
  makeHistogramProvider({
    name: MetricNames.databaseQueryDurationSeconds,
    help: 'Duration of each statement sent to the SQL replica.',
    labelNames: ['dialect', 'outcome'],
    buckets: LATENCY_BUCKETS_SECONDS,
  }),
];

@Injectable()
export class DatabaseMetrics {
  constructor(
    @InjectMetric(MetricNames.databaseQueryDurationSeconds) private readonly seconds: Histogram<string>,
  ) {}

  queryRan(dialect: string, event: QueryEvent) {
    this.seconds.observe({ dialect, outcome: event.failed ? 'error' : 'ok' }, event.durationSeconds);
  }
}
