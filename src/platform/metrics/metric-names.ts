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

export const LATENCY_BUCKETS_SECONDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
