import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { RedisClient } from '../infrastructure/redis/redis-client.factory.js';
import { RedisConnections } from '../infrastructure/redis/redis-connections.js';
import { PrecacheMetrics } from '../platform/metrics/precache.metrics.js';
import { PRECACHE_ORDER } from '../uhd/uhd-resources.js';
import { upstreamPaceKey } from './precache-keys.js';

/**
 * Reserves ARGV[2] consecutive send times (GCRA with no burst): KEYS[1] holds the earliest time,
 * in microseconds of Redis's clock, the next request may leave. Returns how long until the first.
 */
const RESERVE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local next = slot + interval * count
redis.call('SET', KEYS[1], tostring(next), 'PX', math.floor((next - now) / 1000) + 1000)
return slot - now
`;

/**
 * How much of the limit the pacer lets out. Turns are evenly spaced at this share of the limit,
 * and a request leaves within LATE_TOLERANCE_MS after its turn (or takes a new one): any second
 * then holds the turns of at most 1 + 0.05 seconds, 0.9 × 1.05 < 1 of the limit.
 */
export const PACING_SHARE = 0.9;

/**
 * A wake-up later than this after its turn (a GC pause, a busy core, a slow Redis reply) takes a
 * new turn instead of leaving: otherwise requests whose turns fell inside a stall would leave
 * together and crowd one second. See PACING_SHARE for the bound it keeps.
 */
export const LATE_TOLERANCE_MS = 50;

/** New turns one request may take after late wake-ups before its attempt ends (BullMQ retries it). */
const MAX_RETAKES = 5;

const PACER_COMMAND_TIMEOUT_MS = 1_000;

/** One reserved send time for one upstream request. */
export interface UpstreamTurn {
  /** Resolves when the request may leave. Rejects if the job is cancelled or Redis cannot be asked. */
  wait(signal?: AbortSignal): Promise<void>;
}

/**
 * Keeps the pre-cache's upstream requests, from every worker sharing Redis, within
 * PRECACHE_MAX_JOBS_PER_SECOND × 6 in any second. The job limiter bounds job starts, but a job's
 * requests leave after its start by a time that varies with load: on a busy machine, requests
 * of jobs started far apart leave together. So a job reserves evenly spaced turns for all its
 * requests in one Redis call (no herd of waiters, one round trip a job), and each request leaves
 * at its turn, or takes a new turn if it woke too late to keep it: a stall cannot push a second
 * over the limit.
 */
@Injectable()
export class UpstreamPacer {
  private readonly client: RedisClient;
  private readonly intervalMicros: number;
  private readonly paceKey: string;

  constructor(
    redis: RedisConnections,
    private readonly metrics: PrecacheMetrics,
    config: AppConfig,
  ) {
    const perSecond = Math.max(
      1,
      Math.floor(config.precache.maxJobsPerSecond * PRECACHE_ORDER.length * PACING_SHARE),
    );
    this.intervalMicros = Math.ceil(1_000_000 / perSecond);
    // Its own connection: a burst's reservations must not queue ahead of sign-in's flag reads on
    // the shared patient connection when api and worker share a process (ROLE=all).
    this.client = redis.dedicated('upstream-pacer', true, PACER_COMMAND_TIMEOUT_MS);
    this.paceKey = upstreamPaceKey(redis.keyPrefix);
  }

  /**
   * Reserves `count` consecutive turns, in the order the requests should leave. Throws if Redis
   * cannot be asked (the job's attempt then fails and retries).
   */
  async reserve(count: number): Promise<UpstreamTurn[]> {
    if (count === 0) return [];
    const reservedAt = performance.now();
    const due = await this.reserveDue(count);
    return due.map((at) => ({ wait: (signal) => this.keep(at, reservedAt, signal) }));
  }

  /** Local due times (performance.now() ms) of `count` new consecutive turns. */
  private async reserveDue(count: number): Promise<number[]> {
    // Due times count from when the call was sent, not when its answer came: a reply that was
    // itself delayed then shows as lateness, never as an early send.
    const askedAt = performance.now();
    const firstMicros = Number(await this.client.eval(RESERVE, 1, this.paceKey, this.intervalMicros, count));
    return Array.from({ length: count }, (_, k) => askedAt + (firstMicros + k * this.intervalMicros) / 1000);
  }

  private async keep(due: number, reservedAt: number, signal?: AbortSignal): Promise<void> {
    for (let retakes = 0; ; retakes++) {
      await sleepUntil(due, signal);
      const now = performance.now();
      if (now - due <= LATE_TOLERANCE_MS) {
        this.metrics.upstreamWaited((now - reservedAt) / 1000);
        return;
      }
      this.metrics.upstreamTurnRetaken();
      if (retakes === MAX_RETAKES)
        throw new Error(`upstream pacer: woke too late for ${MAX_RETAKES + 1} turns in a row`);
      [due] = await this.reserveDue(1);
    }
  }
}

function sleepUntil(due: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const ms = due - performance.now();
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(done, ms);
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
