import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { RedisConnections } from '../infrastructure/redis/redis-connections.js';
import { FlipperFields, flipperFeatureKey, flipperFeaturesKey } from './flipper-keys.js';

/**
 * Reads and writes features exactly as the Ruby Flipper Redis adapter does, so a Ruby app's
 * Flipper UI and this service change the same flags. Writes mirror the adapter's: enabling the
 * boolean gate clears the others first, disabling it deletes the feature's hash; the feature
 * name is added to the features set on every write.
 */
@Injectable()
export class FlipperStore {
  private readonly prefix: string;

  constructor(
    private readonly redis: RedisConnections,
    config: AppConfig,
  ) {
    this.prefix = config.featureFlags.redisKeyPrefix;
  }

  async read(feature: string): Promise<{ known: boolean; hash: Record<string, string> }> {
    const client = this.redis.patient;
    const [known, hash] = await Promise.all([
      client.sismember(flipperFeaturesKey(this.prefix), feature),
      client.hgetall(this.key(feature)),
    ]);
    return { known: known === 1, hash };
  }

  async hash(feature: string): Promise<Record<string, string>> {
    return this.redis.patient.hgetall(this.key(feature));
  }

  async setBoolean(feature: string, enabled: boolean): Promise<void> {
    await this.add(feature);
    const key = this.key(feature);
    const tx = this.redis.patient.multi().del(key);
    if (enabled) tx.hset(key, FlipperFields.boolean, 'true');
    await tx.exec();
  }

  async setPercentageOfActors(feature: string, percentage: number): Promise<void> {
    await this.add(feature);
    await this.redis.patient.hset(this.key(feature), FlipperFields.percentageOfActors, String(percentage));
  }

  /** Makes the actor list exactly `actors`, touching only the actor fields. */
  async setActors(feature: string, actors: readonly string[]): Promise<void> {
    await this.add(feature);
    const key = this.key(feature);
    const wanted = new Set(actors);
    const current = Object.keys(await this.redis.patient.hgetall(key))
      .filter((field) => field.startsWith(FlipperFields.actorPrefix))
      .map((field) => field.slice(FlipperFields.actorPrefix.length));
    const stale = current.filter((actor) => !wanted.has(actor));
    const tx = this.redis.patient.multi();
    if (stale.length > 0) tx.hdel(key, ...stale.map((actor) => `${FlipperFields.actorPrefix}${actor}`));
    for (const actor of wanted) tx.hset(key, `${FlipperFields.actorPrefix}${actor}`, '1');
    await tx.exec();
  }

  private add(feature: string) {
    return this.redis.patient.sadd(flipperFeaturesKey(this.prefix), feature);
  }

  private key(feature: string) {
    return flipperFeatureKey(this.prefix, feature);
  }
}
