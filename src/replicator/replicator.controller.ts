import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { REPLICA_TABLES, type ReplicaTable } from '../infrastructure/database/schema.js';
import { InternalAuth } from '../platform/auth/bearer-token.guard.js';
import { ReplicatorMetrics } from '../platform/metrics/replicator.metrics.js';
import { SyncEventApplier } from './sync-event.applier.js';
import { parseSyncEvent, type SyncEvent } from './sync-event.js';

/** The replicator's HTTP way in: the same validation and handling as the stream. */
@Controller('v0/replicator')
@InternalAuth()
export class ReplicatorController {
  constructor(
    private readonly applier: SyncEventApplier,
    private readonly metrics: ReplicatorMetrics,
  ) {}

  @Post('sync-events')
  @HttpCode(HttpStatus.ACCEPTED)
  async receive(@Body() body: unknown) {
    let event: SyncEvent;
    try {
      event = parseSyncEvent(body);
    } catch (error) {
      this.metrics.eventHandled(knownTable(body), 'http', 'rejected');
      throw error;
    }
    try {
      const applied = await this.applier.apply(event, 'http');
      return {
        status: 'applied',
        table: applied.table,
        invalidated: applied.invalidated,
        keysDeleted: applied.keysDeleted,
      };
    } catch (error) {
      this.metrics.eventHandled(event.table, 'http', 'failed');
      throw error;
    }
  }
}

/** The event's table for a metric label, only when it is one of ours (labels must stay few). */
function knownTable(body: unknown): string {
  const table = (body as { table?: unknown } | null)?.table;
  return typeof table === 'string' && REPLICA_TABLES.includes(table as ReplicaTable) ? table : 'unknown';
}
