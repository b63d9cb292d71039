import { Injectable, Logger } from '@nestjs/common';
import { DependencyUnavailable } from '../platform/errors/domain-errors.js';
import { ReplicatorMetrics, type SyncEventSource } from '../platform/metrics/replicator.metrics.js';
import { RulesRepository } from '../rules/rules.repository.js';
import type { RulesKind } from '../rules/rules.types.js';
import { RulesCache } from '../rules-cache/rules-cache.js';
import type { SyncEvent } from './sync-event.js';
import { KINDS_BY_TABLE } from './table-invalidation.js';

export interface AppliedSyncEvent {
  table: string;
  source: SyncEventSource;
  syncedAt: string;
  appliedAt: string;
  lagSeconds: number;
  /** Per kind: the channels invalidated, or 'all' for a whole-kind invalidation. */
  invalidated: Partial<Record<RulesKind, string[] | 'all'>>;
  keysDeleted: number;
}

/**
 * Turns a sync event into cache invalidations. Idempotent (invalidating twice is harmless),
 * so at-least-once delivery is safe. Throws when an invalidation could not be applied, so
 * the caller retries (stream) or answers 503 (HTTP) and nothing is reported as done early.
 */
@Injectable()
export class SyncEventApplier {
  private readonly logger = new Logger(SyncEventApplier.name);
  private last?: AppliedSyncEvent;

  constructor(
    private readonly cache: RulesCache,
    private readonly repository: RulesRepository,
    private readonly metrics: ReplicatorMetrics,
  ) {}

  /** The most recent event this instance applied, for the admin stats. */
  get lastApplied(): AppliedSyncEvent | undefined {
    return this.last;
  }

  async apply(event: SyncEvent, source: SyncEventSource): Promise<AppliedSyncEvent> {
    const channels = await this.channelsOf(event);
    const invalidated: AppliedSyncEvent['invalidated'] = {};
    let keysDeleted = 0;
    for (const kind of KINDS_BY_TABLE[event.table]) {
      if (channels === 'all') {
        const deleted = await this.cache.invalidateKind(kind);
        invalidated[kind] = 'all';
        keysDeleted += deleted;
        this.metrics.keysDeleted(kind, 'sync_event', deleted);
      } else if (channels.length > 0) {
        const deleted = await this.cache.invalidateChannels(kind, channels);
        invalidated[kind] = channels;
        keysDeleted += deleted;
        this.metrics.keysDeleted(kind, 'sync_event', deleted);
      }
    }
    const appliedAt = new Date();
    const lagSeconds = (appliedAt.getTime() - Date.parse(event.syncedAt)) / 1000;
    this.metrics.invalidationLag(source, lagSeconds);
    this.metrics.eventHandled(event.table, source, 'applied');
    const applied: AppliedSyncEvent = {
      table: event.table,
      source,
      syncedAt: event.syncedAt,
      appliedAt: appliedAt.toISOString(),
      lagSeconds,
      invalidated,
      keysDeleted,
    };
    this.last = applied;
    this.logger.log({
      msg: 'sync event applied',
      table: event.table,
      source,
      channels: channels === 'all' ? 'all' : channels.length,
      keysDeleted,
      lagMs: Math.round(lagSeconds * 1000),
    });
    return applied;
  }

  /**
   * The channels an event touches: the ids it names, plus the channels of the populations it
   * names. A population that cannot be traced to its channel is covered by invalidating the
   * whole kind: one the replica no longer has (deleted), or any while the database is down (an
   * invalidation must never wait for, or be dead-lettered for want of, the database).
   */
  private async channelsOf(event: SyncEvent): Promise<string[] | 'all'> {
    const named = event.enrollmentChannelIds ?? [];
    const populations = event.populationIds ?? [];
    if (named.length === 0 && populations.length === 0) return 'all';
    if (populations.length === 0) return named;
    let resolved: Awaited<ReturnType<RulesRepository['resolvePopulations']>>;
    try {
      resolved = await this.repository.resolvePopulations(populations);
    } catch (error) {
      if (!(error instanceof DependencyUnavailable)) throw error;
      this.metrics.wholeKindFallback(event.table);
      this.logger.warn({
        msg: 'database unavailable: invalidating whole kinds for a population event',
        table: event.table,
        populations: populations.length,
      });
      return 'all';
    }
    if (resolved.unknown.length > 0) return 'all';
    return [...new Set([...named, ...resolved.channelIds])].sort();
  }
}
