import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS, MetricNames } from './metric-names.js';

export const transportMetricProviders = [
  makeHistogramProvider({
    name: MetricNames.grpcServerHandlingSeconds,
    help: 'Time from receiving a unary gRPC call to sending its status.',
    labelNames: ['grpc_service', 'grpc_method', 'grpc_code'],
    buckets: LATENCY_BUCKETS_SECONDS,
  }),
  makeCounterProvider({
    name: MetricNames.grpcServerHandledTotal,
    help: 'gRPC calls completed, by status code.',
    labelNames: ['grpc_service', 'grpc_method', 'grpc_code'],
  }),
  makeHistogramProvider({
    name: MetricNames.httpServerRequestDurationSeconds,
    help: 'Time from receiving an HTTP request to finishing its response.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: LATENCY_BUCKETS_SECONDS,
  }),
];

/** RPC and HTTP server metrics, reached by name rather than raw prom-client calls. */
@Injectable()
export class TransportMetrics {
  constructor(
    @InjectMetric(MetricNames.grpcServerHandlingSeconds) private readonly grpcSeconds: Histogram<string>,
    @InjectMetric(MetricNames.grpcServerHandledTotal) private readonly grpcHandled: Counter<string>,
    @InjectMetric(MetricNames.httpServerRequestDurationSeconds)
    private readonly httpSeconds: Histogram<string>,
  ) {}

  grpcCallHandled(service: string, method: string, code: string, seconds: number) {
    const labels = { grpc_service: service, grpc_method: method, grpc_code: code };
    this.grpcSeconds.observe(labels, seconds);
    this.grpcHandled.inc(labels);
  }

  httpRequestHandled(method: string, route: string, statusCode: number, seconds: number) {
    this.httpSeconds.observe({ method, route, status_code: String(statusCode) }, seconds);
  }
}
