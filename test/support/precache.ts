import { randomBytes, randomInt } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flipperFeatureKey, flipperFeaturesKey } from '../../src/feature-flags/flipper-keys.js';
import { UhdSimulator, type UhdSimulatorOptions } from '../../src/tools/uhd-simulator/uhd-simulator.js';
import { deleteKeys, TEST_ADMIN_TOKEN, TEST_INTERNAL_TOKEN, type TestApp } from './test-app.js';

export const TEST_UHD = {
  appId: 'test-app-id',
  appToken: 'test-app-token',
  subject: 'test-subject',
  userType: 'test-user-type',
  apiKey: 'test-uhd-api-key',
};

export const PRECACHE_FLAG = 'mhv_accelerated_delivery_labs';

export interface TestUser {
  userUuid: string;
  icn: string;
  email?: string;
  clientId: string;
  vaTreatmentFacilityIds: string[];
}

/** A web-signing-in VA patient with an ICN and email of their own. */
export function testUser(overrides: Partial<TestUser> = {}): TestUser {
  const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');
  return {
    userUuid: randomBytes(16).toString('hex'),
    icn: `${digits(10)}V${digits(6)}`,
    email: `veteran.${randomBytes(4).toString('hex')}@example.com`,
    clientId: 'vaweb',
    vaTreatmentFacilityIds: ['983'],
    ...overrides,
  };
}

export async function startSimulator(options: UhdSimulatorOptions = {}): Promise<UhdSimulator> {
  return new UhdSimulator({
    missLatencyMs: 20,
    missJitterMs: 5,
    hitLatencyMs: 2,
    hitJitterMs: 1,
    apiKey: TEST_UHD.apiKey,
    ...options,
  }).start();
}

/**
 * Environment for a test app that warms `simulator`: its own Flipper prefix (the flag store is
 * shared otherwise), a throwaway SQLite replica, short backoffs.
 */
export function precacheEnv(simulator: UhdSimulator, extra: Record<string, string> = {}) {
  const sqlite = join(tmpdir(), `precache-test-${randomBytes(4).toString('hex')}.sqlite`);
  const flipperPrefix = `tflip${randomBytes(4).toString('hex')}:`;
  return {
    env: {
      UHD_HOST: simulator.url,
      UHD_APP_ID: TEST_UHD.appId,
      UHD_APP_TOKEN: TEST_UHD.appToken,
      UHD_SUBJECT: TEST_UHD.subject,
      UHD_USER_TYPE: TEST_UHD.userType,
      UHD_API_KEY: TEST_UHD.apiKey,
      UHD_TIMEOUT_MS: '5000',
      FLIPPER_REDIS_KEY_PREFIX: flipperPrefix,
      FLIPPER_CACHE_TTL_MS: '0',
      DATABASE_URL: `sqlite:${sqlite}`,
      DATABASE_SEED_WHEN_EMPTY: 'false',
      PRECACHE_BACKOFF_MS: '100',
      PRECACHE_QUEUE_SAMPLE_INTERVAL_MS: '0',
      ...extra,
    },
    async cleanUp(redisUrl = 'redis://127.0.0.1:6379') {
      await deleteKeys(redisUrl, [flipperFeaturesKey(flipperPrefix), flipperFeatureKey(flipperPrefix, '*')]);
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${sqlite}${suffix}`, { force: true });
    },
  };
}

export async function signIn(
  app: TestApp,
  user: TestUser,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${app.httpUrl}/v0/sign-ins`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_INTERNAL_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(user),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function setFeature(app: TestApp, name: string, gates: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${app.httpUrl}/admin/features/${name}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(gates),
  });
  if (response.status !== 200)
    throw new Error(`PUT feature answered ${response.status}: ${await response.text()}`);
}

/** The value of one sample on /metrics (0 when absent); `labels` must match exactly the ones given. */
export async function metricValue(
  baseUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const body = await (await fetch(`${baseUrl}/metrics`)).text();
  let total = 0;
  for (const line of body.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const sample = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k, v]),
    );
    if (Object.entries(labels).every(([k, v]) => sample[k] === v)) total += Number(match[3]);
  }
  return total;
}
