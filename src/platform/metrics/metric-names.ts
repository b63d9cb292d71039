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

  // Rules cache (src/rules-cache). Hit rate = hit_l1+hit_l2+stale+negative over all requests;
  // database query reduction = 1 - rules_db_loads_total / rules_cache_requests_total.
  rulesCacheRequestsTotal: 'rules_cache_requests_total',
  rulesDbLoadsTotal: 'rules_db_loads_total',
  rulesCacheCoalescedTotal: 'rules_cache_coalesced_total',
  rulesCacheRefreshesTotal: 'rules_cache_background_refreshes_total',
  rulesCacheWritesFencedTotal: 'rules_cache_writes_fenced_total',
  rulesCacheRedisDurationSeconds: 'rules_cache_redis_duration_seconds',
  rulesCacheRedisErrorsTotal: 'rules_cache_redis_errors_total',
  rulesCacheBreakerState: 'rules_cache_breaker_state',
  rulesCacheL1Entries: 'rules_cache_l1_entries',
  rulesCacheL1Bytes: 'rules_cache_l1_bytes',
  rulesCacheInvalidationsTotal: 'rules_cache_invalidations_total',
  rulesCacheKeysDeletedTotal: 'rules_cache_keys_deleted_total',

  // Replicator sync events (src/replicator).
  replicatorEventsTotal: 'replicator_events_total',
  replicatorInvalidationLagSeconds: 'replicator_invalidation_lag_seconds',
  replicatorStreamPending: 'replicator_stream_pending_entries',
  replicatorDeadLetterEntries: 'replicator_dead_letter_entries',
} as const;

export const LATENCY_BUCKETS_SECONDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
