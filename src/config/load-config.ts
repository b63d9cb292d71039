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
      lockTtlMs: env.RULES_CACHE_LOCK_TTL_MS,
      lockWaitMs: env.RULES_CACHE_LOCK_WAIT_MS,
      xfetchBeta: env.RULES_CACHE_XFETCH_BETA_TENTHS / 10,
      breakerFailures: env.RULES_CACHE_BREAKER_FAILURES,
      breakerCooldownMs: env.RULES_CACHE_BREAKER_COOLDOWN_MS,
      invalidationStaleMs: env.RULES_CACHE_INVALIDATION_STALE_MS,
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
  };
}
