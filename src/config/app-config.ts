import type { LogLevel, Role } from './environment.js';

export type DatabaseDialect = 'sqlite' | 'mysql';

/**
 * The service's configuration as the rest of the code sees it: typed, grouped by concern,
 * built once from the validated environment. Injected by class (the class is the DI token).
 */
export abstract class AppConfig {
  abstract readonly env: string;
  abstract readonly role: Role;
  abstract readonly logLevel: LogLevel;
  abstract readonly http: { readonly port: number };
  abstract readonly grpc: { readonly port: number };
  abstract readonly shutdownTimeoutMs: number;
  abstract readonly redis: {
    readonly url: string;
    /** host:port seeds of a Redis Cluster; when set, `url` only supplies the password. */
    readonly clusterNodes: ReadonlyArray<{ host: string; port: number }>;
    readonly keyPrefix: string;
    readonly commandTimeoutMs: number;
    readonly connectTimeoutMs: number;
  };
  abstract readonly database: {
    readonly url: string;
    readonly dialect: DatabaseDialect;
    readonly poolSize: number;
    readonly queryTimeoutMs: number;
    readonly seedWhenEmpty: boolean;
  };
  abstract readonly health: { readonly checkTimeoutMs: number };
  abstract readonly rulesCache: {
    readonly enabled: boolean;
    readonly ttlMs: number;
    /** ± this fraction of the TTL, chosen per entry, so entries written together expire apart. */
    readonly ttlJitter: number;
    /** Fraction of the TTL an entry is fresh; stale-while-revalidate for the rest. */
    readonly freshFraction: number;
    /** After expiry, how long an entry may still answer while the database is down. */
    readonly graceMs: number;
    readonly negativeTtlMs: number;
    readonly l1MaxEntries: number;
    readonly l1MaxBytes: number;
    readonly compressAboveBytes: number;
    /** The cross-instance load lease: renewed while its holder loads, lapses this long after a holder dies. */
    readonly leaseTtlMs: number;
    /** XFetch β: above 1 refreshes earlier, 0 turns early refresh off. */
    readonly xfetchBeta: number;
    readonly breakerFailures: number;
    readonly breakerCooldownMs: number;
    /** After a whole-kind invalidation, how long older entries may still answer while one load per key refreshes them. */
    readonly invalidationStaleMs: number;
  };
  /** Rules loads run on worker threads, each with its own database connections. */
  abstract readonly rulesLoad: {
    readonly threads: number;
    /** Loads one thread runs at once, and so its MySQL pool size (they mostly wait on the database). */
    readonly tasksPerThread: number;
  };
  abstract readonly replicator: {
    readonly stream: string;
    readonly consumerGroup: string;
    readonly deadLetterStream: string;
    readonly streamEnabled: boolean;
    /** Deliveries of one entry before it goes to the dead-letter stream. */
    readonly maxDeliveries: number;
    /** A pending entry idle this long (its consumer died or failed) is claimed by another. */
    readonly claimIdleMs: number;
    readonly blockMs: number;
  };
  abstract readonly auth: {
    readonly adminApiToken?: string;
    readonly internalApiToken?: string;
  };

  // ---- Sign-in pre-cache ----
  abstract readonly uhd: UhdSettings;
  abstract readonly login: { readonly sessionTtlSeconds: number };
  abstract readonly featureFlags: {
    /** Prefix of the Flipper keys, as the Ruby adapter's `key_prefix:` option (empty by default). */
    readonly redisKeyPrefix: string;
    /** How long a flag read stays in this process's memory (5 s at most). */
    readonly cacheTtlMs: number;
  };
  abstract readonly precache: PrecacheSettings;
}

/** Which parts of the process a role runs. */
export function roleRuns(role: Role): { api: boolean; worker: boolean } {
  return { api: role !== 'worker', worker: role !== 'api' };
}

// ---- Sign-in pre-cache ----

export interface UhdSettings {
  /** UHD API base URL; unset outside production means "start the bundled simulator". */
  readonly host?: string;
  /** Base URL of the token endpoint's host; the UHD host when unset. */
  readonly securityHost?: string;
  readonly appId: string;
  readonly appToken: string;
  readonly subject: string;
  readonly userType: string;
  readonly apiKey: string;
  /** Bound on each upstream request, token request included. */
  readonly timeoutMs: number;
  /** Token lifetime assumed when the token itself carries no expiry. */
  readonly tokenTtlSeconds: number;
  readonly maxConnections: number;
  /** How long the upstream caches a request: the window in which a read counts as warmed. */
  readonly cacheTtlSeconds: number;
  /** Port of the bundled simulator when it is started (0: any free port). */
  readonly simulatorPort: number;
  readonly breaker: {
    /** Failure ratio (0-1) over the window that opens the circuit. */
    readonly failureRate: number;
    /** Calls the window must hold before the ratio counts. */
    readonly minRequests: number;
    readonly windowMs: number;
    readonly halfOpenAfterMs: number;
  };
}

export interface PrecacheSettings {
  readonly featureFlag: string;
  readonly webClientIds: readonly string[];
  /** Inclusive [from, to] ranges of MHV treatment facility numbers. */
  readonly facilityRanges: ReadonlyArray<readonly [number, number]>;
  readonly facilitySpecificIds: readonly string[];
  readonly dedupSeconds: number;
  readonly concurrency: number;
  readonly maxJobsPerSecond: number;
  readonly attempts: number;
  readonly backoffMs: number;
  readonly keepCompleted: { readonly count: number; readonly ageSeconds: number };
  readonly keepFailed: { readonly count: number; readonly ageSeconds: number };
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly maxStalledCount: number;
  /** How often the queue's job counts are sampled into the gauge (0: never). */
  readonly queueSampleIntervalMs: number;
}
