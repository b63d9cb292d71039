import { randomBytes } from 'node:crypto';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { RedisClient } from '../infrastructure/redis/redis-client.factory.js';
import { RedisConnections } from '../infrastructure/redis/redis-connections.js';
import { DependencyUnavailable } from '../platform/errors/domain-errors.js';
import { PrecacheMetrics } from '../platform/metrics/precache.metrics.js';
import { sessionKey, userSnapshotKey } from './login-keys.js';
import type { Session, UserSnapshot } from './user-snapshot.js';

/**
 * A sign-in is worth waiting for, unlike a cache read: its connection fails fast while Redis is
 * down (no offline queue) but gives a slow Redis a second, not the cache's 100 ms.
 */
const SESSION_COMMAND_TIMEOUT_MS = 1_000;
/**
 * Sign-ins Redis could not take are held in memory, up to this many (a few MB), and written
 * once it is back. Past it, a sign-in fails with 503 rather than the process growing unbounded.
 */
const HELD_MAX = 10_000;
const FLUSH_EVERY_MS = 500;

interface Held<T> {
  readonly value: T;
  readonly expiresAtMs: number;
}

/**
 * Sessions and user snapshots in Redis, both expiring SESSION_TTL_SECONDS after the sign-in.
 *
 * A sign-in never fails because Redis is briefly unreachable (issue 7: every sign-in answered
 * during a Redis outage): what Redis cannot take is held in this process, answered from here,
 * and written to Redis with its remaining TTL as soon as Redis is back. Until then only this
 * instance knows the session; a process that dies first loses it, and its user signs in again.
 */
@Injectable()
export class SessionStore implements OnApplicationShutdown {
  private readonly logger = new Logger(SessionStore.name);
  private readonly prefix: string;
  private readonly ttlSeconds: number;
  private readonly client: RedisClient;
  private readonly heldSessions = new Map<string, Held<Session>>();
  private readonly heldUsers = new Map<string, Held<UserSnapshot>>();
  private flusher?: NodeJS.Timeout;
  private flushing = false;

  constructor(
    redis: RedisConnections,
    config: AppConfig,
    private readonly metrics: PrecacheMetrics,
  ) {
    this.prefix = config.redis.keyPrefix;
    this.ttlSeconds = config.login.sessionTtlSeconds;
    this.client = redis.dedicated('sessions', true, SESSION_COMMAND_TIMEOUT_MS);
  }

  /** Stores the user's snapshot and a new session for them; gives the session id (a bearer token). */
  async create(user: UserSnapshot, now = new Date()): Promise<{ sessionId: string; expiresAt: string }> {
    const sessionId = randomBytes(32).toString('base64url');
    const expiresAtMs = now.getTime() + this.ttlSeconds * 1000;
    const expiresAt = new Date(expiresAtMs).toISOString();
    const session: Session = { userUuid: user.userUuid, expiresAt };
    const client = this.client;
    try {
      // Two keys that may live on different cluster nodes: two commands, not one transaction.
      // A snapshot without a session is harmless; a session is only returned once both are stored.
      await Promise.all([
        client.set(userSnapshotKey(this.prefix, user.userUuid), JSON.stringify(user), 'EX', this.ttlSeconds),
        client.set(sessionKey(this.prefix, sessionId), JSON.stringify(session), 'EX', this.ttlSeconds),
      ]);
    } catch (error) {
      if (!this.hold(user, sessionId, session, expiresAtMs))
        throw new DependencyUnavailable('session store', { cause: error });
    }
    return { sessionId, expiresAt };
  }

  async findSession(sessionId: string): Promise<Session | undefined> {
    const key = sessionKey(this.prefix, sessionId);
    return this.heldValue(this.heldSessions, key) ?? this.get<Session>(key);
  }

  async findUser(userUuid: string): Promise<UserSnapshot | undefined> {
    return (
      this.heldValue(this.heldUsers, userUuid) ??
      this.get<UserSnapshot>(userSnapshotKey(this.prefix, userUuid))
    );
  }

  /** Sign-ins held in memory, not yet written to Redis. */
  get held(): number {
    return this.heldSessions.size;
  }

  /** Whether this user's latest sign-in is held here, its snapshot not yet in Redis. */
  holds(userUuid: string): boolean {
    return this.heldValue(this.heldUsers, userUuid) !== undefined;
  }

  /** Writes what is held to Redis; a no-op while Redis is not connected. Also runs on a timer. */
  async flush(): Promise<void> {
    if (this.flushing || this.client.status !== 'ready') return;
    this.flushing = true;
    const now = Date.now();
    const users = [...this.heldUsers];
    const sessions = [...this.heldSessions];
    // All at once: the client pipelines them, so thousands held take a few round trips, not thousands.
    const results = await Promise.allSettled([
      ...users.map(async ([userUuid, held]) => {
        if (held.expiresAtMs > now) await this.writeUser(held.value, held.expiresAtMs - now);
        // A sign-in held again for this user meanwhile stays held for the next round.
        if (this.heldUsers.get(userUuid) === held) this.heldUsers.delete(userUuid);
      }),
      ...sessions.map(async ([key, held]) => {
        if (held.expiresAtMs > now)
          await this.client.set(key, JSON.stringify(held.value), 'PX', held.expiresAtMs - now);
        this.heldSessions.delete(key);
      }),
    ]);
    this.flushing = false;
    this.metrics.sessionsHeld(this.held);
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length > 0)
      this.logger.warn({
        msg: 'held sessions not written yet',
        held: this.held,
        error: String((failed[0] as PromiseRejectedResult).reason),
      });
    else this.logger.log({ msg: 'held sessions written to redis', sessions: sessions.length });
    if (this.heldSessions.size === 0 && this.heldUsers.size === 0) this.stopFlusher();
  }

  async onApplicationShutdown() {
    this.stopFlusher();
    if (this.held > 0) await this.flush();
    if (this.held > 0) this.logger.warn({ msg: 'held sessions lost at shutdown', sessions: this.held });
  }

  private hold(user: UserSnapshot, sessionId: string, session: Session, expiresAtMs: number): boolean {
    if (this.heldSessions.size >= HELD_MAX) return false;
    if (this.heldSessions.size === 0)
      this.logger.warn({ msg: 'redis unavailable: holding sessions in memory until it is back' });
    this.heldSessions.set(sessionKey(this.prefix, sessionId), { value: session, expiresAtMs });
    this.heldUsers.set(user.userUuid, { value: user, expiresAtMs });
    this.metrics.sessionsHeld(this.heldSessions.size);
    if (!this.flusher) {
      this.flusher = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
      this.flusher.unref();
    }
    return true;
  }

  /**
   * A snapshot written after Redis came back (a later sign-in, on any instance) is newer than
   * the held one and stays; an older one is replaced, so the snapshot lives as long as the session.
   */
  private async writeUser(user: UserSnapshot, ttlMs: number): Promise<void> {
    const key = userSnapshotKey(this.prefix, user.userUuid);
    const value = JSON.stringify(user);
    if ((await this.client.set(key, value, 'PX', ttlMs, 'NX')) === 'OK') return;
    const current = await this.client.get(key);
    const currentSignedInAt = current ? (JSON.parse(current) as UserSnapshot).signedInAt : '';
    if (currentSignedInAt < user.signedInAt) await this.client.set(key, value, 'PX', ttlMs);
  }

  private heldValue<T>(held: Map<string, Held<T>>, key: string): T | undefined {
    const entry = held.get(key);
    return entry && entry.expiresAtMs > Date.now() ? entry.value : undefined;
  }

  private stopFlusher() {
    clearInterval(this.flusher);
    this.flusher = undefined;
  }

  private async get<T>(key: string): Promise<T | undefined> {
    let raw: string | null;
    try {
      raw = await this.client.get(key);
    } catch (error) {
      throw new DependencyUnavailable('session store', { cause: error });
    }
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }
}
