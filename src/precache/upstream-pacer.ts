import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { RedisClient } from '../infrastructure/redis/redis-client.factory.js';
import { RedisConnections } from '../infrastructure/redis/redis-connections.js';
import { PrecacheMetrics } from '../platform/metrics/precache.metrics.js';
import { PRECACHE_ORDER } from '../uhd/uhd-resources.js';
import { upstreamPaceKey, upstreamSentKey } from './precache-keys.js';

/**
 * Reserves a send time (GCRA with no burst): KEYS[1] holds the earliest time, in microseconds
 * of Redis's clock, the next request may leave. Returns how long the caller should wait.
 */
const RESERVE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
redis.call('SET', KEYS[1], tostring(slot + interval), 'PX', math.floor((slot + interval - now) / 1000) + 1000)
return slot - now
`;

/**
 * Admits a send now if fewer than ARGV[1] were admitted in the last second (a log of send times
 * in KEYS[1]); returns 0 when admitted, else the microseconds until the oldest leaves the second.
 */
const ADMIT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1000000)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[1], 2000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + 1000000 - now)
`;

/**
 * How much of the limit the pacer lets out. Admissions are counted on Redis's clock, but the
 * upstream counts arrivals: a process that stalls (a GC pause, a busy core) after being admitted
 * sends late, together with the next ones. Admitting 90% of the limit a second keeps the
 * upstream's busiest second within the limit through stalls of up to ~110 ms.
 */
export const PACING_SHARE = 0.9;

const PACER_COMMAND_TIMEOUT_MS = 1_000;

/**
 * Keeps the pre-cache's upstream requests, from every worker sharing Redis, within
 * PRECACHE_MAX_JOBS_PER_SECOND × 6 in any second. The job limiter bounds job starts, but a job's
 * requests leave after its start by a time that varies with load: on a busy machine, requests
 * of jobs started far apart leave together. So each request first reserves an evenly spaced
 * turn (no herd of waiters), then, when it wakes, is admitted only if the last second's sends
 * leave room: a late wake-up cannot push a second over the limit.
 */
@Injectable()
export class UpstreamPacer {
  private readonly client: RedisClient;
  private readonly intervalMicros: number;
  private readonly perSecond: number;
  private readonly paceKey: string;
  private readonly sentKey: string;
  private readonly id = randomBytes(6).toString('hex');
  private sequence = 0;

  constructor(
    redis: RedisConnections,
    private readonly metrics: PrecacheMetrics,
    config: AppConfig,
  ) {
    this.perSecond = Math.max(
      1,
      Math.floor(config.precache.maxJobsPerSecond * PRECACHE_ORDER.length * PACING_SHARE),
    );
    this.intervalMicros = Math.ceil(1_000_000 / this.perSecond);
    // Its own connection: thousands of turns a second must not queue ahead of sign-in's flag
    // reads on the shared patient connection when api and worker share a process (ROLE=all).
    this.client = redis.dedicated('upstream-pacer', true, PACER_COMMAND_TIMEOUT_MS);
    this.paceKey = upstreamPaceKey(redis.keyPrefix);
    this.sentKey = upstreamSentKey(redis.keyPrefix);
  }

  /** Waits for this request's turn. Throws if Redis cannot be asked (the job's attempt then fails and retries). */
  async turn(signal?: AbortSignal): Promise<void> {
    const started = performance.now();
    await delay(Number(await this.client.eval(RESERVE, 1, this.paceKey, this.intervalMicros)), signal);
    const member = `${this.id}:${this.sequence++}`;
    for (;;) {
      const waitMicros = Number(await this.client.eval(ADMIT, 1, this.sentKey, this.perSecond, member));
      if (waitMicros === 0) break;
      await delay(waitMicros, signal);
    }
    this.metrics.upstreamWaited((performance.now() - started) / 1000);
  }
}

function delay(micros: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (micros <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(done, micros / 1000);
    function done() {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}
