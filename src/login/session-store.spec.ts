import type { AppConfig } from '../config/app-config.js';
import type { RedisConnections } from '../infrastructure/redis/redis-connections.js';
import { DependencyUnavailable } from '../platform/errors/domain-errors.js';
import type { PrecacheMetrics } from '../platform/metrics/precache.metrics.js';
import { userSnapshotKey } from './login-keys.js';
import { SessionStore } from './session-store.js';
import type { UserSnapshot } from './user-snapshot.js';

/** The few commands the store uses, over a Map; `down` makes every command fail as ioredis does. */
class FakeRedis {
  readonly values = new Map<string, { value: string; ttlMs: number }>();
  down = false;

  get status() {
    return this.down ? 'reconnecting' : 'ready';
  }

  async set(key: string, value: string, unit: 'EX' | 'PX', ttl: number, nx?: 'NX') {
    this.fail();
    if (nx && this.values.has(key)) return null;
    this.values.set(key, { value, ttlMs: unit === 'EX' ? ttl * 1000 : ttl });
    return 'OK';
  }

  async get(key: string) {
    this.fail();
    return this.values.get(key)?.value ?? null;
  }

  private fail() {
    if (this.down) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
  }
}

const PREFIX = 't:';

function build() {
  const redis = new FakeRedis();
  const connections = { dedicated: () => redis } as unknown as RedisConnections;
  const config = { redis: { keyPrefix: PREFIX }, login: { sessionTtlSeconds: 1_800 } } as AppConfig;
  return {
    redis,
    sut: new SessionStore(connections, config, { sessionsHeld: jest.fn() } as unknown as PrecacheMetrics),
  };
}

function user(userUuid: string, signedInAt = new Date().toISOString()): UserSnapshot {
  return {
    userUuid,
    icn: '1012845331V153043',
    flipperId: `${userUuid}@example.com`,
    clientId: 'vaweb',
    vaTreatmentFacilityIds: ['983'],
    signedInAt,
  };
}

describe(SessionStore.name, () => {
  let sut: SessionStore;
  afterEach(() => sut?.onApplicationShutdown());

  describe('create', () => {
    it('stores the session and the snapshot in Redis', async () => {
      const built = build();
      sut = built.sut;
      const { sessionId } = await sut.create(user('u1'));
      expect(await sut.findSession(sessionId)).toMatchObject({ userUuid: 'u1' });
      expect(built.redis.values.get(userSnapshotKey(PREFIX, 'u1'))?.ttlMs).toBe(1_800_000);
      expect(sut.held).toBe(0);
    });

    it('answers while Redis is down, holding the sign-in in memory where this instance finds it', async () => {
      const built = build();
      sut = built.sut;
      built.redis.down = true;
      const { sessionId } = await sut.create(user('u1'));
      expect(sut.held).toBe(1);
      expect(await sut.findSession(sessionId)).toMatchObject({ userUuid: 'u1' });
      expect(await sut.findUser('u1')).toMatchObject({ icn: '1012845331V153043' });
      expect(sut.holds('u1')).toBe(true);
    });

    it('writes what it held once Redis is back, with the TTL that remains', async () => {
      const built = build();
      sut = built.sut;
      built.redis.down = true;
      const { sessionId } = await sut.create(user('u1'), new Date(Date.now() - 60_000));
      built.redis.down = false;
      await sut.flush();
      expect(sut.held).toBe(0);
      expect(sut.holds('u1')).toBe(false);
      const written = built.redis.values.get(userSnapshotKey(PREFIX, 'u1'));
      expect(written?.ttlMs).toBeLessThanOrEqual(1_740_000);
      expect(written?.ttlMs).toBeGreaterThan(1_730_000);
      expect(await sut.findSession(sessionId)).toMatchObject({ userUuid: 'u1' });
    });

    it('keeps a newer snapshot written after Redis came back, and replaces an older one', async () => {
      const built = build();
      sut = built.sut;
      built.redis.down = true;
      await sut.create(user('newer-there', '2026-12-02T00:00:01.000Z'));
      await sut.create(user('older-there', '2026-12-02T00:00:01.000Z'));
      built.redis.down = false;
      const there = (uuid: string, signedInAt: string) =>
        built.redis.set(userSnapshotKey(PREFIX, uuid), JSON.stringify(user(uuid, signedInAt)), 'EX', 1_800);
      await there('newer-there', '2026-12-02T00:00:02.000Z');
      await there('older-there', '2026-12-02T00:00:00.000Z');
      await sut.flush();
      expect((await sut.findUser('newer-there'))?.signedInAt).toBe('2026-12-02T00:00:02.000Z');
      expect((await sut.findUser('older-there'))?.signedInAt).toBe('2026-12-02T00:00:01.000Z');
    });

    it('fails with DependencyUnavailable once 10,000 sign-ins are held', async () => {
      const built = build();
      sut = built.sut;
      built.redis.down = true;
      for (let i = 0; i < 10_000; i++) await sut.create(user(`u${i}`));
      await expect(sut.create(user('one-too-many'))).rejects.toBeInstanceOf(DependencyUnavailable);
    });
  });

  describe('findSession', () => {
    it('throws DependencyUnavailable for a session it does not hold while Redis is down', async () => {
      const built = build();
      sut = built.sut;
      built.redis.down = true;
      await expect(sut.findSession('x'.repeat(43))).rejects.toBeInstanceOf(DependencyUnavailable);
    });
  });
});
