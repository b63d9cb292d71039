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
  // Rules loads on worker threads (src/rules/load): queue wait included in the duration.
  rulesLoadDurationSeconds: 'rules_load_duration_seconds',
  rulesLoadQueueDepth: 'rules_load_queue_depth',

  // Rules cache (src/rules-cache over src/tiered-cache). Hit rate = hit_l1+hit_l2+stale+negative over all requests;
  // database query reduction = 1 - rules_db_loads_total / rules_cache_requests_total.
  rulesCacheRequestsTotal: 'rules_cache_requests_total',
  rulesDbLoadsTotal: 'rules_db_loads_total',
  rulesCacheCoalescedTotal: 'rules_cache_coalesced_total',
  rulesCacheLeaseTakeoversTotal: 'rules_cache_lease_takeovers_total',
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
  replicatorWholeKindFallbacksTotal: 'replicator_whole_kind_fallbacks_total',
  replicatorStreamPending: 'replicator_stream_pending_entries',
  replicatorDeadLetterEntries: 'replicator_dead_letter_entries',

  // Sign-in pre-cache (src/login, src/precache, src/uhd, src/health-records).
  loginSessionsHeld: 'login_sessions_held',
  precacheJobsEnqueuedTotal: 'precache_jobs_enqueued_total',
  precacheJobsEnqueueFailedTotal: 'precache_jobs_enqueue_failed_total',
  precacheJobsSkippedTotal: 'precache_jobs_skipped_total',
  precacheJobsDeduplicatedTotal: 'precache_jobs_deduplicated_total',
  precacheJobsTotal: 'precache_jobs_total',
  precacheJobDurationSeconds: 'precache_job_duration_seconds',
  precacheResourceRequestsTotal: 'precache_resource_requests_total',
  precacheResourceDurationSeconds: 'precache_resource_duration_seconds',
  precacheUpstreamWaitSeconds: 'precache_upstream_wait_seconds',
  precacheUpstreamTurnsRetakenTotal: 'precache_upstream_turns_retaken_total',
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
