import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { RedisConnections } from '../infrastructure/redis/redis-connections.js';
import type { UhdResource } from '../uhd/uhd-resources.js';
import { warmedResourcesKey } from './precache-keys.js';

export interface WarmedRecord {
  readonly endDate: string;
  readonly resources: readonly UhdResource[];
}

/**
 * Remembers, for the upstream's cache window (UHD_CACHE_TTL_SECONDS, 20 minutes), which
 * resources a precache job warmed for a user and for which `endDate`. A health-record read
 * labels its latency `warmed` from this, turning the seed's KPI into a metric.
 */
@Injectable()
export class WarmedResources {
  constructor(
    private readonly redis: RedisConnections,
    private readonly config: AppConfig,
  ) {}

  async record(userUuid: string, warmed: WarmedRecord): Promise<void> {
    // Written by the worker, which can wait for a busy Redis; read on the health-record path, which cannot.
    await this.redis.patient.set(
      warmedResourcesKey(this.config.redis.keyPrefix, userUuid),
      JSON.stringify(warmed),
      'EX',
      this.config.uhd.cacheTtlSeconds,
    );
  }

  async find(userUuid: string): Promise<WarmedRecord | undefined> {
    const raw = await this.redis.commands.get(warmedResourcesKey(this.config.redis.keyPrefix, userUuid));
    return raw === null ? undefined : (JSON.parse(raw) as WarmedRecord);
  }

  /** Whether a read of `resource` for `endDate` should find the upstream's cache warm. */
  async isWarm(userUuid: string, resource: UhdResource, endDate: string): Promise<boolean> {
    const record = await this.find(userUuid);
    return record !== undefined && record.endDate === endDate && record.resources.includes(resource);
  }
}
