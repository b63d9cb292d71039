import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { DatabaseMetrics, databaseMetricProviders } from './database.metrics.js';
import { PrecacheMetrics, precacheMetricProviders } from './precache.metrics.js';
import { TransportMetrics, transportMetricProviders } from './transport.metrics.js';
import { UhdMetrics, uhdMetricProviders } from './uhd.metrics.js';

/**
 * Prometheus exposition at /metrics (process metrics included) and the metric facades.
 * Feature modules add their own facade beside the metric names in metric-names.ts.
 */
@Global()
@Module({
  imports: [PrometheusModule.register({ path: '/metrics', defaultMetrics: { enabled: true } })],
  providers: [
    ...transportMetricProviders,
    TransportMetrics,
    ...databaseMetricProviders,
    DatabaseMetrics,
    // Sign-in pre-cache
    ...precacheMetricProviders,
    PrecacheMetrics,
    ...uhdMetricProviders,
    UhdMetrics,
  ],
  exports: [TransportMetrics, DatabaseMetrics, PrecacheMetrics, UhdMetrics],
})
export class MetricsModule {}
