import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { RedisClient } from '../infrastructure/redis/redis-client.factory.js';
import { RedisConnections } from '../infrastructure/redis/redis-connections.js';
import { DependencyUnavailable } from '../platform/errors/domain-errors.js';
import { sessionKey, userSnapshotKey } from './login-keys.js';
import type { Session, UserSnapshot } from './user-snapshot.js';

/**
 * Sessions and user snapshots in Redis, both expiring SESSION_TTL_SECONDS after the sign-in.
 * A sign-in is worth waiting for, unlike a cache read: its connection fails fast while Redis is
 * down (no offline queue) but gives a slow Redis a second, not the cache's 100 ms.
 */
const SESSION_COMMAND_TIMEOUT_MS = 1_000;

@Injectable()
export class SessionStore {
  private readonly prefix: string;
  private readonly ttlSeconds: number;
  private readonly client: RedisClient;

  constructor(redis: RedisConnections, config: AppConfig) {
    this.prefix = config.redis.keyPrefix;
    this.ttlSeconds = config.login.sessionTtlSeconds;
    this.client = redis.dedicated('sessions', true, SESSION_COMMAND_TIMEOUT_MS);
  }

  /** Stores the user's snapshot and a new session for them; gives the session id (a bearer token). */
  async create(user: UserSnapshot, now = new Date()): Promise<{ sessionId: string; expiresAt: string }> {
    const sessionId = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.ttlSeconds * 1000).toISOString();
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
      throw new DependencyUnavailable('session store', { cause: error });
    }
    return { sessionId, expiresAt };
  }

  async findSession(sessionId: string): Promise<Session | undefined> {
    return this.get<Session>(sessionKey(this.prefix, sessionId));
  }

  async findUser(userUuid: string): Promise<UserSnapshot | undefined> {
    return this.get<UserSnapshot>(userSnapshotKey(this.prefix, userUuid));
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
