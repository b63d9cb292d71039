import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

export const ROLES = ['all', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};
const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

// ---- Sign-in pre-cache ----
const HTTP_URL = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/;
const FEATURE_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
const FACILITY_RANGES = /^\s*\[\s*(\[\s*\d+\s*,\s*\d+\s*\]\s*(,\s*\[\s*\d+\s*,\s*\d+\s*\]\s*)*)?\]\s*$/;

/**
 * The raw environment, one property per variable, validated once at start-up.
 * Names and defaults are the contract in DESIGN.md; nothing else reads process.env.
 */
export class Environment {
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT = 3000;
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) GRPC_PORT = 50051;
  @IsIn(ROLES) ROLE: Role = 'all';
  @IsOptional() @IsString() NODE_ENV?: string;
  @IsIn(LOG_LEVELS) LOG_LEVEL: LogLevel = 'info';
  @Transform(toInt) @IsInt() @Min(0) @Max(600_000) SHUTDOWN_TIMEOUT_MS = 10_000;

  @Matches(/^rediss?:\/\//, { message: 'must be a redis:// or rediss:// URL' }) REDIS_URL =
    'redis://127.0.0.1:6379';
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, { message: 'must be comma-separated host:port pairs' })
  REDIS_CLUSTER_NODES?: string;
  @Matches(/^[A-Za-z0-9_.:{}-]{1,64}$/, { message: 'must be 1-64 characters of [A-Za-z0-9_.:{}-]' })
  REDIS_KEY_PREFIX = 'ccs:';
  @Transform(toInt) @IsInt() @Min(10) @Max(60_000) REDIS_COMMAND_TIMEOUT_MS = 100;
  @Transform(toInt) @IsInt() @Min(10) @Max(60_000) REDIS_CONNECT_TIMEOUT_MS = 2_000;

  @Matches(/^(sqlite:.+|mysql:\/\/.+)$/, { message: 'must be sqlite:<path> or mysql://user@host:port/db' })
  DATABASE_URL = 'sqlite:./data/rules.sqlite';
  @Transform(toInt) @IsInt() @Min(1) @Max(500) DATABASE_POOL_SIZE = 10;
  @Transform(toInt) @IsInt() @Min(10) @Max(600_000) DATABASE_QUERY_TIMEOUT_MS = 5_000;
  @Transform(toBool) @IsBoolean() DATABASE_SEED_WHEN_EMPTY = true;

  @Transform(toInt) @IsInt() @Min(10) @Max(60_000) HEALTH_CHECK_TIMEOUT_MS = 1_000;

  // Rules cache (src/rules-cache)
  @Transform(toBool) @IsBoolean() RULES_CACHE_ENABLED = true;
  @Transform(toInt) @IsInt() @Min(1) @Max(86_400) RULES_CACHE_TTL_SECONDS = 600;
  @Transform(toInt) @IsInt() @Min(0) @Max(50) RULES_CACHE_TTL_JITTER_PERCENT = 10;
  @Transform(toInt) @IsInt() @Min(10) @Max(100) RULES_CACHE_FRESH_PERCENT = 90;
  @Transform(toInt) @IsInt() @Min(0) @Max(604_800) RULES_CACHE_GRACE_SECONDS = 3_600;
  @Transform(toInt) @IsInt() @Min(0) @Max(3_600) RULES_CACHE_NEGATIVE_TTL_SECONDS = 30;
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000_000) RULES_CACHE_L1_MAX_ENTRIES = 10_000;
  @Transform(toInt) @IsInt() @Min(1) @Max(16_384) RULES_CACHE_L1_MAX_MB = 64;
  @Transform(toInt) @IsInt() @Min(0) @Max(100_000_000) RULES_CACHE_COMPRESS_ABOVE_BYTES = 8_192;
  @Transform(toInt) @IsInt() @Min(300) @Max(600_000) RULES_CACHE_LEASE_TTL_MS = 5_000;
  @Transform(toInt) @IsInt() @Min(0) @Max(100) RULES_CACHE_XFETCH_BETA_TENTHS = 10;
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000) RULES_CACHE_BREAKER_FAILURES = 5;
  @Transform(toInt) @IsInt() @Min(100) @Max(600_000) RULES_CACHE_BREAKER_COOLDOWN_MS = 5_000;

  @Transform(toInt) @IsInt() @Min(0) @Max(10_000) RULES_CACHE_INVALIDATION_STALE_MS = 500;
  @Transform(toInt) @IsInt() @Min(1) @Max(32) RULES_LOAD_THREADS = 1;
  @Transform(toInt) @IsInt() @Min(1) @Max(64) RULES_LOAD_TASKS_PER_THREAD = 4;

  // Replicator sync events (src/replicator). The stream and group names are shared with the replicator.
  @Matches(/^[^\s]{1,200}$/, { message: 'must be a Redis key name' }) REPLICATOR_STREAM =
    'replicator:sync-events';
  @Matches(/^[^\s]{1,200}$/, { message: 'must be a consumer group name' }) REPLICATOR_CONSUMER_GROUP =
    'rules-cache-invalidator';
  @Matches(/^[^\s]{1,200}$/, { message: 'must be a Redis key name' })
  REPLICATOR_DEAD_LETTER_STREAM = 'replicator:sync-events:dead-letter';
  @Transform(toBool) @IsBoolean() REPLICATOR_STREAM_ENABLED = true;
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000) REPLICATOR_MAX_DELIVERIES = 5;
  @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000) REPLICATOR_CLAIM_IDLE_MS = 30_000;
  @Transform(toInt) @IsInt() @Min(10) @Max(60_000) REPLICATOR_BLOCK_MS = 2_000;

  @Transform(emptyToUndefined) @IsOptional() @MinLength(16) ADMIN_API_TOKEN?: string;
  @Transform(emptyToUndefined) @IsOptional() @MinLength(16) INTERNAL_API_TOKEN?: string;

  // ---- Sign-in pre-cache: UHD upstream, sessions, feature flags, precache queue ----
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(HTTP_URL, { message: 'must be an http:// or https:// URL' })
  UHD_HOST?: string;
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(HTTP_URL, { message: 'must be an http:// or https:// URL' })
  UHD_SECURITY_HOST?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(256) UHD_APP_ID?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(4096) UHD_APP_TOKEN?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(256) UHD_SUBJECT?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(256) UHD_USER_TYPE?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(4096) UHD_API_KEY?: string;
  @Transform(toInt) @IsInt() @Min(100) @Max(300_000) UHD_TIMEOUT_MS = 15_000;
  @Transform(toInt) @IsInt() @Min(30) @Max(86_400) UHD_TOKEN_TTL_SECONDS = 900;
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000) UHD_MAX_CONNECTIONS = 512;
  @Transform(toInt) @IsInt() @Min(60) @Max(86_400) UHD_CACHE_TTL_SECONDS = 1_200;
  @Transform(toInt) @IsInt() @Min(1) @Max(99) UHD_BREAKER_FAILURE_PERCENT = 50;
  @Transform(toInt) @IsInt() @Min(1) @Max(100_000) UHD_BREAKER_MIN_REQUESTS = 20;
  @Transform(toInt) @IsInt() @Min(1_000) @Max(600_000) UHD_BREAKER_WINDOW_MS = 10_000;
  @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000) UHD_BREAKER_HALF_OPEN_AFTER_MS = 30_000;
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) UHD_SIMULATOR_PORT = 0;

  @Transform(toInt) @IsInt() @Min(60) @Max(86_400) SESSION_TTL_SECONDS = 1_800;

  @Matches(/^[A-Za-z0-9_.:{}-]{0,64}$/, { message: 'must be 0-64 characters of [A-Za-z0-9_.:{}-]' })
  FLIPPER_REDIS_KEY_PREFIX = '';
  @Transform(toInt) @IsInt() @Min(0) @Max(5_000) FLIPPER_CACHE_TTL_MS = 5_000;

  @Matches(FEATURE_NAME, { message: 'must be 1-128 characters of [A-Za-z0-9_.:-]' })
  PRECACHE_FEATURE_FLAG = 'mhv_accelerated_delivery_labs';
  @Matches(/^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$/, { message: 'must be comma-separated client ids' })
  PRECACHE_WEB_CLIENT_IDS = 'vaweb,mhv,myvahealth,ebenefits';
  @Matches(FACILITY_RANGES, {
    message: 'must be a JSON list of [from, to] pairs, e.g. [[358,718],[983,984]]',
  })
  MHV_FACILITY_RANGES = '[[358,718],[720,758],[983,984],[999,999]]';
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9]+(,[A-Za-z0-9]+)*$/, { message: 'must be comma-separated facility ids' })
  MHV_FACILITY_SPECIFIC_IDS?: string;
  @Transform(toInt) @IsInt() @Min(1) @Max(86_400) PRECACHE_DEDUP_SECONDS = 300;
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000) PRECACHE_CONCURRENCY = 50;
  @Transform(toInt) @IsInt() @Min(1) @Max(100_000) PRECACHE_MAX_JOBS_PER_SECOND = 50;
  @Transform(toInt) @IsInt() @Min(1) @Max(10) PRECACHE_ATTEMPTS = 3;
  @Transform(toInt) @IsInt() @Min(10) @Max(3_600_000) PRECACHE_BACKOFF_MS = 10_000;
  @Transform(toInt) @IsInt() @Min(0) @Max(1_000_000) PRECACHE_KEEP_COMPLETED = 1_000;
  @Transform(toInt) @IsInt() @Min(1) @Max(2_592_000) PRECACHE_KEEP_COMPLETED_SECONDS = 3_600;
  @Transform(toInt) @IsInt() @Min(0) @Max(1_000_000) PRECACHE_KEEP_FAILED = 10_000;
  @Transform(toInt) @IsInt() @Min(1) @Max(2_592_000) PRECACHE_KEEP_FAILED_SECONDS = 604_800;
  @Transform(toInt) @IsInt() @Min(500) @Max(600_000) PRECACHE_LOCK_DURATION_MS = 30_000;
  @Transform(toInt) @IsInt() @Min(100) @Max(600_000) PRECACHE_STALLED_INTERVAL_MS = 30_000;
  @Transform(toInt) @IsInt() @Min(0) @Max(100) PRECACHE_MAX_STALLED_COUNT = 1;
  @Transform(toInt) @IsInt() @Min(0) @Max(600_000) PRECACHE_QUEUE_SAMPLE_INTERVAL_MS = 5_000;
}
