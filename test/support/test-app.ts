import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { startApp } from '../../src/bootstrap/create-app.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { queueKeyPrefix } from '../../src/infrastructure/queue/queue-keys.js';
import { freePort } from './ports.js';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  httpUrl: string;
  grpcAddress: string;
  /** Every log line the app wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';
export const TEST_INTERNAL_TOKEN = 'test-internal-token-0123456789';

/**
 * Boots the real service in this process on free ports, with its own Redis key prefix, and
 * captures its logs. `env` overrides any variable.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const [port, grpcPort] = [await freePort(), await freePort()];
  const prefix = env.REDIS_KEY_PREFIX ?? `t${randomBytes(4).toString('hex')}:`;
  const config = loadConfig({
    PORT: String(port),
    GRPC_PORT: String(grpcPort),
    LOG_LEVEL: 'info',
    REDIS_KEY_PREFIX: prefix,
    // The shared stream names stay free for real replicators: each test app reads its own.
    REPLICATOR_STREAM: `${prefix}sync-events`,
    REPLICATOR_DEAD_LETTER_STREAM: `${prefix}sync-events:dead-letter`,
    ADMIN_API_TOKEN: TEST_ADMIN_TOKEN,
    INTERNAL_API_TOKEN: TEST_INTERNAL_TOKEN,
    ...env,
  });
  const logs: Array<Record<string, unknown>> = [];
  const capture = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      done();
    },
  });
  const app = await startApp(config, { logDestination: capture, host: '127.0.0.1' });
  return {
    app,
    config,
    httpUrl: `http://127.0.0.1:${port}`,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    logs,
    close: async () => {
      await app.close();
      await deleteKeys(config.redis.url, [
        `${config.redis.keyPrefix}*`,
        `${queueKeyPrefix(config.redis.keyPrefix)}*`,
      ]);
    },
  };
}

/** Removes what a test app left in Redis under its own prefixes (sessions, queue keys, caches). */
export async function deleteKeys(redisUrl: string, patterns: string[]): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for (const pattern of patterns) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
