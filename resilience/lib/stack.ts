import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { sampleSum, scrape } from '../../bench/lib/prometheus.js';
import { type SimulatorProcess, startSimulatorProcess } from '../../bench/lib/uhd-simulator-process.js';
import { Database } from '../../src/infrastructure/database/database.js';
import { seedReplica } from '../../src/infrastructure/database/seed/seed-replica.js';
import { createTestDatabase, MARIADB_ROOT_URL } from '../../test/support/mariadb.js';
import { freePort } from '../../test/support/ports.js';
import { PrivateRedis } from '../../test/support/redis-server.js';
import { TcpProxy } from '../../test/support/tcp-proxy.js';

export const ROOT = join(import.meta.dirname, '../../..');
export const ADMIN_TOKEN = 'resilience-admin-token-0123456789abcdef';
export const INTERNAL_TOKEN = 'resilience-internal-token-0123456789abcdef';
export const UHD_API_KEY = 'resilience-uhd-api-key-0123456789';
export const UHD_APP_TOKEN = 'resilience-uhd-app-token-0123456789';
export const PRECACHE_FLAG = 'mhv_accelerated_delivery_labs';
/** Every secret the stack hands the service: none of them may show in a log line. */
export const SECRETS = [ADMIN_TOKEN, INTERNAL_TOKEN, UHD_API_KEY, UHD_APP_TOKEN];

export type Role = 'api' | 'worker';

/** One service process (dist/src/main.js) with its stdout and stderr appended to its own log file. */
export class Instance {
  child?: ChildProcess;
  readonly httpUrl: string;
  readonly grpcAddress: string;

  constructor(
    readonly name: string,
    readonly role: Role,
    private readonly env: Record<string, string>,
    readonly logFile: string,
  ) {
    this.httpUrl = `http://127.0.0.1:${env.PORT}`;
    this.grpcAddress = `127.0.0.1:${env.GRPC_PORT}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and waits until /health/ready answers 200. */
  async start(readyTimeoutMs = 60_000): Promise<void> {
    const fd = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js')], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, ROLE: this.role },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.child = child;
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited (${child.exitCode}); see ${this.logFile}`);
      if (await this.ready()) return;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${this.name} not ready within ${readyTimeoutMs} ms; see ${this.logFile}`);
      }
      await sleep(200);
    }
  }

  async ready(): Promise<boolean> {
    try {
      return (
        (await fetch(`${this.httpUrl}/health/ready`, { signal: AbortSignal.timeout(2_000) })).status === 200
      );
    } catch {
      return false;
    }
  }

  /** Sends `signal` and waits for the exit. SIGTERM is a graceful shutdown, SIGKILL a crash. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  async metrics(): Promise<string> {
    return scrape(this.httpUrl);
  }
}

export interface StackOptions {
  /** Names the run's database, key prefix and log folder. */
  label: string;
  /** Channels seeded into the run's MariaDB database (ec-0001 has 20 contracts, ec-0002 3,351). */
  channels: number;
  /** Folder for the processes' logs (the PII check reads every file in it). */
  logDir: string;
  /** Extra service environment (both roles). */
  env?: Record<string, string>;
  /** Seed nodes of a Redis Cluster to use instead of a private single redis-server. */
  redisClusterNodes?: string[];
  apiInstances?: number;
  /** Extra UHD simulator arguments (`npm run uhd:sim` flags), e.g. `{ 'record-limit': 10_000 }`. */
  simulator?: Record<string, string | number>;
}

/**
 * The service as its users meet it: two ROLE=api processes and one ROLE=worker process on a
 * private redis-server, a MariaDB database of the run's own reached through a proxy the suite
 * can cut, and the UHD simulator as its own process.
 */
export class Stack {
  private constructor(
    readonly options: StackOptions,
    readonly redis: PrivateRedis | undefined,
    readonly database: { name: string; url: string; drop(): Promise<void> },
    readonly databaseProxy: TcpProxy,
    readonly simulator: SimulatorProcess,
    readonly apis: Instance[],
    readonly worker: Instance,
    readonly env: Record<string, string>,
  ) {}

  get instances(): Instance[] {
    return [...this.apis, this.worker];
  }

  static async start(options: StackOptions): Promise<Stack> {
    mkdirSync(options.logDir, { recursive: true });
    const redis = options.redisClusterNodes ? undefined : await PrivateRedis.start();
    const database = await seededDatabase(options.label, options.channels);
    const databaseProxy = await TcpProxy.start(await freePort(), mysqlTarget());
    // A warm upstream answers in tens of milliseconds, a cold one in a few hundred: fast enough
    // for the suite's time budget, slow enough that jobs overlap and queues form.
    const simulator = await startSimulatorProcess({
      'api-key': UHD_API_KEY,
      'miss-latency-ms': 300,
      'miss-jitter-ms': 100,
      'hit-latency-ms': 20,
      'hit-jitter-ms': 5,
      ...options.simulator,
    });
    const prefix = `res${randomBytes(3).toString('hex')}:`;
    const proxied = new URL(database.url);
    proxied.port = String(databaseProxy.port);
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      REDIS_URL: redis?.url ?? 'redis://127.0.0.1:6379',
      ...(options.redisClusterNodes ? { REDIS_CLUSTER_NODES: options.redisClusterNodes.join(',') } : {}),
      REDIS_KEY_PREFIX: prefix,
      FLIPPER_REDIS_KEY_PREFIX: `${prefix}flags:`,
      REPLICATOR_STREAM: `${prefix}replicator:sync-events`,
      REPLICATOR_DEAD_LETTER_STREAM: `${prefix}replicator:dead-letter`,
      REPLICATOR_CLAIM_IDLE_MS: '2000',
      DATABASE_URL: proxied.toString(),
      DATABASE_SEED_WHEN_EMPTY: 'false',
      UHD_HOST: simulator.url,
      UHD_APP_ID: 'resilience',
      UHD_APP_TOKEN,
      UHD_SUBJECT: 'resilience',
      UHD_USER_TYPE: 'resilience',
      UHD_API_KEY,
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      INTERNAL_API_TOKEN: INTERNAL_TOKEN,
      PRECACHE_QUEUE_SAMPLE_INTERVAL_MS: '1000',
      // Shorter than the defaults (30 s) so a killed worker's job comes back within the scenario,
      // long enough that a worker on a loaded 2-core machine renews its lock in time.
      PRECACHE_STALLED_INTERVAL_MS: '5000',
      PRECACHE_LOCK_DURATION_MS: '10000',
      ...options.env,
    };
    const instance = async (name: string, role: Role) =>
      new Instance(
        name,
        role,
        { ...env, PORT: String(await freePort()), GRPC_PORT: String(await freePort()) },
        join(options.logDir, `${options.label}-${name}.log`),
      );
    const apis = await Promise.all(
      Array.from({ length: options.apiInstances ?? 2 }, (_, i) => instance(`api-${i + 1}`, 'api')),
    );
    const worker = await instance('worker', 'worker');
    const stack = new Stack(options, redis, database, databaseProxy, simulator, apis, worker, env);
    try {
      await Promise.all(stack.instances.map((i) => i.start()));
      await stack.setFlag({ boolean: true });
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  /** Sets the pre-cache feature flag through the admin API (`{ boolean }` or `{ percentage }`). */
  async setFlag(gate: { boolean: boolean } | { percentage: number }): Promise<void> {
    const response = await this.admin('PUT', `/admin/features/${PRECACHE_FLAG}`, gate);
    if (response.status !== 200) throw new Error(`setting the flag answered ${response.status}`);
  }

  admin(method: string, path: string, body?: unknown, instance = this.apis[0]): Promise<Response> {
    return fetch(`${instance.httpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** Sum of a metric's samples (with these labels) over the running instances. */
  async metric(
    name: string,
    labels: Record<string, string> = {},
    instances = this.instances,
  ): Promise<number> {
    const pages = await Promise.all(
      instances.filter((i) => i.running).map((i) => i.metrics().catch(() => '')),
    );
    return pages.reduce((total, page) => total + sampleSum(page, name, labels), 0);
  }

  /** A plain Redis client on the stack's Redis (single server only). */
  redisClient() {
    if (!this.redis) throw new Error('this stack runs on a Redis Cluster');
    return this.redis.client();
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.stop()));
    await this.simulator.stop();
    await this.databaseProxy.close();
    await this.redis?.kill();
    await this.database.drop();
  }
}

function mysqlTarget() {
  const url = new URL(MARIADB_ROOT_URL);
  return { host: url.hostname, port: Number(url.port || 3306) };
}

/** A database of the run's own (test/support's, dropped by `drop()`), migrated and seeded. */
async function seededDatabase(label: string, channels: number) {
  const created = await createTestDatabase(`resilience_${label}`);
  const database = Database.open({
    url: created.url,
    dialect: 'mysql',
    poolSize: 2,
    queryTimeoutMs: 60_000,
    seedWhenEmpty: false,
  });
  try {
    await database.migrate();
    await seedReplica(database.db, { seed: 20_261_202, channels, includeHugeChannel: false });
  } finally {
    await database.close();
  }
  return created;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
