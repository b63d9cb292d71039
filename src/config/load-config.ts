import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import { AppConfig } from './app-config.js';
import { Environment } from './environment.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const SECRET_KEYS = /TOKEN|KEY|SECRET|PASSWORD/;

function describe(error: ValidationError): string {
  const shown = SECRET_KEYS.test(error.property) ? '<redacted>' : JSON.stringify(error.value);
  const reasons = Object.values(error.constraints ?? {}).join('; ');
  return `${error.property}=${shown}: ${reasons}`;
}

function parseClusterNodes(nodes: string | undefined): Array<{ host: string; port: number }> {
  if (!nodes) return [];
  return nodes.split(',').map((pair) => {
    const at = pair.lastIndexOf(':');
    return { host: pair.slice(0, at), port: Number(pair.slice(at + 1)) };
  });
}

/**
 * Builds the one configuration object from an environment. Fails with every bad variable
 * named at once, so an operator fixes a deployment in one pass rather than one per restart.
 */
export function loadConfig(source: NodeJS.ProcessEnv): AppConfig {
  const raw = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const env = plainToInstance(Environment, raw, { exposeDefaultValues: true });
  const problems = validateSync(env, { whitelist: false, forbidUnknownValues: true }).map(describe);

  const production = env.NODE_ENV === 'production';
  if (production) {
    if (!env.ADMIN_API_TOKEN) problems.push('ADMIN_API_TOKEN: required when NODE_ENV=production');
    if (!env.INTERNAL_API_TOKEN) problems.push('INTERNAL_API_TOKEN: required when NODE_ENV=production');
  }
  // ---- Sign-in pre-cache ----
  if (production) {
    for (const name of ['UHD_HOST', 'UHD_APP_ID', 'UHD_APP_TOKEN', 'UHD_API_KEY'] as const)
      if (!env[name]) problems.push(`${name}: required when NODE_ENV=production`);
  }
  const facilityRanges = parseFacilityRanges(env.MHV_FACILITY_RANGES, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const dialect = env.DATABASE_URL.startsWith('mysql://') ? 'mysql' : 'sqlite';
  return {
    env: env.NODE_ENV ?? 'development',
    role: env.ROLE,
    logLevel: env.LOG_LEVEL,
    http: { port: env.PORT },
    grpc: { port: env.GRPC_PORT },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    redis: {
      url: env.REDIS_URL,
      clusterNodes: parseClusterNodes(env.REDIS_CLUSTER_NODES),
      keyPrefix: env.REDIS_KEY_PREFIX,
      commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
      connectTimeoutMs: env.REDIS_CONNECT_TIMEOUT_MS,
    },
    database: {
      url: env.DATABASE_URL,
      dialect,
      poolSize: env.DATABASE_POOL_SIZE,
      queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
      seedWhenEmpty: env.DATABASE_SEED_WHEN_EMPTY,
    },
    health: { checkTimeoutMs: env.HEALTH_CHECK_TIMEOUT_MS },
    rulesCache: {
      enabled: env.RULES_CACHE_ENABLED,
      ttlMs: env.RULES_CACHE_TTL_SECONDS * 1000,
      ttlJitter: env.RULES_CACHE_TTL_JITTER_PERCENT / 100,
      freshFraction: env.RULES_CACHE_FRESH_PERCENT / 100,
      graceMs: env.RULES_CACHE_GRACE_SECONDS * 1000,
      negativeTtlMs: env.RULES_CACHE_NEGATIVE_TTL_SECONDS * 1000,
      l1MaxEntries: env.RULES_CACHE_L1_MAX_ENTRIES,
      l1MaxBytes: env.RULES_CACHE_L1_MAX_MB * 1024 * 1024,
      compressAboveBytes: env.RULES_CACHE_COMPRESS_ABOVE_BYTES,
      leaseTtlMs: env.RULES_CACHE_LEASE_TTL_MS,
      xfetchBeta: env.RULES_CACHE_XFETCH_BETA_TENTHS / 10,
      breakerFailures: env.RULES_CACHE_BREAKER_FAILURES,
      breakerCooldownMs: env.RULES_CACHE_BREAKER_COOLDOWN_MS,
      invalidationStaleMs: env.RULES_CACHE_INVALIDATION_STALE_MS,
    },
    rulesLoad: {
      threads: env.RULES_LOAD_THREADS,
      tasksPerThread: env.RULES_LOAD_TASKS_PER_THREAD,
    },
    replicator: {
      stream: env.REPLICATOR_STREAM,
      consumerGroup: env.REPLICATOR_CONSUMER_GROUP,
      deadLetterStream: env.REPLICATOR_DEAD_LETTER_STREAM,
      streamEnabled: env.REPLICATOR_STREAM_ENABLED,
      maxDeliveries: env.REPLICATOR_MAX_DELIVERIES,
      claimIdleMs: env.REPLICATOR_CLAIM_IDLE_MS,
      blockMs: env.REPLICATOR_BLOCK_MS,
    },
    auth: { adminApiToken: env.ADMIN_API_TOKEN, internalApiToken: env.INTERNAL_API_TOKEN },
    // ---- Sign-in pre-cache ----
    uhd: {
      host: stripTrailingSlash(env.UHD_HOST),
      securityHost: stripTrailingSlash(env.UHD_SECURITY_HOST ?? env.UHD_HOST),
      appId: env.UHD_APP_ID ?? '',
      appToken: env.UHD_APP_TOKEN ?? '',
      subject: env.UHD_SUBJECT ?? '',
      userType: env.UHD_USER_TYPE ?? '',
      apiKey: env.UHD_API_KEY ?? '',
      timeoutMs: env.UHD_TIMEOUT_MS,
      tokenTtlSeconds: env.UHD_TOKEN_TTL_SECONDS,
      maxConnections: env.UHD_MAX_CONNECTIONS,
      cacheTtlSeconds: env.UHD_CACHE_TTL_SECONDS,
      simulatorPort: env.UHD_SIMULATOR_PORT,
      breaker: {
        failureRate: env.UHD_BREAKER_FAILURE_PERCENT / 100,
        minRequests: env.UHD_BREAKER_MIN_REQUESTS,
        windowMs: env.UHD_BREAKER_WINDOW_MS,
        halfOpenAfterMs: env.UHD_BREAKER_HALF_OPEN_AFTER_MS,
      },
    },
    login: { sessionTtlSeconds: env.SESSION_TTL_SECONDS },
    featureFlags: { redisKeyPrefix: env.FLIPPER_REDIS_KEY_PREFIX, cacheTtlMs: env.FLIPPER_CACHE_TTL_MS },
    precache: {
      featureFlag: env.PRECACHE_FEATURE_FLAG,
      webClientIds: env.PRECACHE_WEB_CLIENT_IDS.split(','),
      facilityRanges,
      facilitySpecificIds: env.MHV_FACILITY_SPECIFIC_IDS?.split(',') ?? [],
      dedupSeconds: env.PRECACHE_DEDUP_SECONDS,
      concurrency: env.PRECACHE_CONCURRENCY,
      maxJobsPerSecond: env.PRECACHE_MAX_JOBS_PER_SECOND,
      attempts: env.PRECACHE_ATTEMPTS,
      backoffMs: env.PRECACHE_BACKOFF_MS,
      keepCompleted: { count: env.PRECACHE_KEEP_COMPLETED, ageSeconds: env.PRECACHE_KEEP_COMPLETED_SECONDS },
      keepFailed: { count: env.PRECACHE_KEEP_FAILED, ageSeconds: env.PRECACHE_KEEP_FAILED_SECONDS },
      lockDurationMs: env.PRECACHE_LOCK_DURATION_MS,
      stalledIntervalMs: env.PRECACHE_STALLED_INTERVAL_MS,
      maxStalledCount: env.PRECACHE_MAX_STALLED_COUNT,
      queueSampleIntervalMs: env.PRECACHE_QUEUE_SAMPLE_INTERVAL_MS,
    },
  };
}

// ---- Sign-in pre-cache ----

function stripTrailingSlash(url: string | undefined): string | undefined {
  return url?.replace(/\/+$/, '');
}

/** `[[358,718],[983,984]]` as inclusive ranges; a reversed pair is a problem, not a silent no-match. */
function parseFacilityRanges(raw: string, problems: string[]): Array<[number, number]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return []; // the format check has already named the variable
  }
  if (!Array.isArray(parsed)) return [];
  const ranges = parsed as Array<[number, number]>;
  for (const [from, to] of ranges)
    if (from > to)
      problems.push(`MHV_FACILITY_RANGES=${JSON.stringify(raw)}: range [${from},${to}] is reversed`);
  return ranges;
}
