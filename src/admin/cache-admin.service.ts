import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { RedisStreams } from '../infrastructure/redis/redis-streams.js';
import { ReplicatorMetrics } from '../platform/metrics/replicator.metrics.js';
import { RulesCacheMetrics } from '../platform/metrics/rules-cache.metrics.js';
import { SyncEventApplier } from '../replicator/sync-event.applier.js';
import { RULES_KINDS, type RulesKind } from '../rules/rules.types.js';
import { RulesCache } from '../rules-cache/rules-cache.js';
import type { CacheFlushRequest } from './cache-flush.request.js';

/** The operator's handle on the rules cache: flush it, and see how it is doing. */
@Injectable()
export class CacheAdminService {
  private readonly logger = new Logger('AdminAudit');

  constructor(
    private readonly cache: RulesCache,
    private readonly cacheMetrics: RulesCacheMetrics,
    private readonly replicatorMetrics: ReplicatorMetrics,
    private readonly applier: SyncEventApplier,
    private readonly streams: RedisStreams,
    private readonly config: AppConfig,
  ) {}

  /**
   * Flushes on every instance (the same invalidation the replicator triggers). Whole kinds go
   * by SCAN + UNLINK with a generation bump, so Redis keeps answering and no L1 keeps old data.
   */
  async flush(request: CacheFlushRequest, requestId?: string): Promise<{ deleted: number }> {
    const kinds: readonly RulesKind[] = request.kind ? [request.kind] : RULES_KINDS;
    const ids = request.enrollmentChannelIds;
    let deleted = 0;
    for (const kind of kinds) {
      const count = ids
        ? await this.cache.invalidateChannels(kind, ids)
        : await this.cache.invalidateKind(kind);
      this.replicatorMetrics.keysDeleted(kind, 'admin_flush', count);
      deleted += count;
    }
    this.logger.log({
      msg: 'admin action',
      action: 'cache.flush',
      kinds,
      channels: ids ? ids.length : 'all',
      deleted,
      requestId,
    });
    return { deleted };
  }

  async stats() {
    const { requests, databaseLoads } = await this.cacheMetrics.snapshot();
    const total = Object.values(requests).reduce((a, b) => a + b, 0);
    const answeredFromCache = requests.hit_l1 + requests.hit_l2 + requests.stale + requests.negative;
    const l2Keys: Partial<Record<RulesKind, number | null>> = {};
    for (const kind of RULES_KINDS) l2Keys[kind] = (await this.cache.l2Keys(kind)) ?? null;
    const last = this.applier.lastApplied;
    const { stream, consumerGroup, deadLetterStream } = this.config.replicator;
    const backlog = await Promise.all([
      this.streams.pendingCount(stream, consumerGroup),
      this.streams.length(deadLetterStream),
    ]).catch(() => [null, null] as const);
    return {
      enabled: this.config.rulesCache.enabled,
      requests: { ...requests, total },
      hitRate: total > 0 ? answeredFromCache / total : null,
      databaseLoads,
      databaseQueryReduction: total > 0 ? 1 - databaseLoads / total : null,
      l1: {
        ...this.cache.l1Size,
        maxEntries: this.config.rulesCache.l1MaxEntries,
        maxBytes: this.config.rulesCache.l1MaxBytes,
      },
      l2: { keys: l2Keys, ttlSeconds: this.config.rulesCache.ttlMs / 1000 },
      breaker: this.cache.breakerState,
      lastSyncEvent: last
        ? { ...last, secondsSinceApplied: (Date.now() - Date.parse(last.appliedAt)) / 1000 }
        : null,
      stream: { name: stream, group: consumerGroup, pending: backlog[0], deadLetters: backlog[1] },
    };
  }
}
