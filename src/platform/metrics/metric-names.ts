/**
 * Every metric the service exports, named once. Scheme: `<area>_<thing>_<unit|total>`, labels in
 * snake_case. Dashboards (deploy/grafana), alert rules (deploy/prometheus) and tests import or
 * copy these exact strings.
 */
export const MetricNames = {
  grpcServerHandlingSeconds: 'grpc_server_handling_seconds',
  grpcServerHandledTotal: 'grpc_server_handled_total',
  httpServerRequestDurationSeconds: 'http_server_request_duration_seconds',
  databaseQueryDurationSeconds: 'rules_db_query_duration_seconds',
} as const;

// ---- Sign-in pre-cache (issue 5) ----
export const PrecacheMetricNames = {
  precacheJobsEnqueuedTotal: 'precache_jobs_enqueued_total',
  precacheJobsEnqueueFailedTotal: 'precache_jobs_enqueue_failed_total',
  precacheJobsSkippedTotal: 'precache_jobs_skipped_total',
  precacheJobsDeduplicatedTotal: 'precache_jobs_deduplicated_total',
  precacheJobsTotal: 'precache_jobs_total',
  precacheJobDurationSeconds: 'precache_job_duration_seconds',
  precacheResourceRequestsTotal: 'precache_resource_requests_total',
  precacheResourceDurationSeconds: 'precache_resource_duration_seconds',
  precacheQueueJobs: 'precache_queue_jobs',
  healthRecordRequestDurationSeconds: 'health_record_request_duration_seconds',
  uhdCircuitBreakerOpen: 'uhd_circuit_breaker_open',
  uhdCircuitBreakerTransitionsTotal: 'uhd_circuit_breaker_transitions_total',
  uhdTokenRequestsTotal: 'uhd_token_requests_total',
} as const;

/** Upstream calls: a cache hit is ~50 ms, a miss seconds, the bound 15 s. */
export const UPSTREAM_BUCKETS_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60];

export const LATENCY_BUCKETS_SECONDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
