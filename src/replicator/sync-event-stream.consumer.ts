import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { RedisStreams, type StreamEntry } from '../infrastructure/redis/redis-streams.js';
import { InvalidArgument } from '../platform/errors/domain-errors.js';
import { DependencyStateLog } from '../platform/health/dependency-state-log.js';
import { ReplicatorMetrics } from '../platform/metrics/replicator.metrics.js';
import { SyncEventApplier } from './sync-event.applier.js';
import { parseStreamEntry, type SyncEvent } from './sync-event.js';

const READ_BATCH = 50;
const IN_PLACE_ATTEMPTS = 3;
const BACKLOG_REPORT_EVERY_MS = 5_000;
/** Up to this much of a dead entry's original text is kept for the person who reads it. */
const DEAD_LETTER_KEEP_BYTES = 64 * 1024;

/**
 * Consumes the replicator's sync-event stream in the shared consumer group, one consumer per
 * instance. An entry is acknowledged only after its invalidation succeeded. One that fails
 * stays pending and is retried (claimed again once idle, by this or any instance); after
 * REPLICATOR_MAX_DELIVERIES deliveries, or at once if it cannot be parsed, it moves to the
 * dead-letter stream with its reason. Delivery is at-least-once; invalidation is idempotent.
 */
@Injectable()
export class SyncEventStreamConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SyncEventStreamConsumer.name);
  readonly consumer = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private running = false;
  private loop?: Promise<void>;
  private groupReady = false;
  private nextClaimAt = 0;
  private claimCursor = '0-0';
  private nextBacklogReportAt = 0;
  private readonly settings: AppConfig['replicator'];
  private readonly stream = new DependencyStateLog(this.logger, {
    down: 'sync-event stream unreachable; retrying',
    back: 'sync-event stream reachable again',
  });

  constructor(
    config: AppConfig,
    private readonly streams: RedisStreams,
    private readonly applier: SyncEventApplier,
    private readonly metrics: ReplicatorMetrics,
  ) {
    this.settings = config.replicator;
  }

  onApplicationBootstrap() {
    if (!this.settings.streamEnabled) return;
    this.running = true;
    this.loop = this.run();
  }

  async beforeApplicationShutdown() {
    this.running = false;
    // Ends the blocking read; an entry being applied finishes (or stays pending for another instance).
    this.streams.stopReading();
    await Promise.race([this.loop, sleep(this.settings.blockMs + 500)]);
  }

  private async run() {
    let failures = 0;
    while (this.running) {
      try {
        await this.step();
        failures = 0;
        this.stream.succeeded();
      } catch (error) {
        if (!this.running) return;
        failures += 1;
        this.stream.failed(error);
        await sleep(Math.min(200 * 2 ** Math.min(failures, 4), 3_000));
      }
    }
  }

  private async step() {
    const { stream, consumerGroup } = this.settings;
    if (!this.groupReady) {
      await this.streams.ensureGroup(stream, consumerGroup);
      this.groupReady = true;
    }
    if (Date.now() >= this.nextClaimAt) {
      const { next, entries } = await this.streams.claimIdle(
        stream,
        consumerGroup,
        this.consumer,
        this.settings.claimIdleMs,
        this.claimCursor,
      );
      this.claimCursor = next;
      if (next === '0-0') this.nextClaimAt = Date.now() + Math.max(100, this.settings.claimIdleMs / 2);
      for (const entry of entries) await this.handle(entry);
    }
    if (Date.now() >= this.nextBacklogReportAt) await this.reportBacklog();
    const entries = await this.streams.readNew(
      stream,
      consumerGroup,
      this.consumer,
      READ_BATCH,
      this.settings.blockMs,
    );
    for (const entry of entries) {
      if (!this.running) return; // unacknowledged entries stay pending for another consumer
      await this.handle(entry);
    }
  }

  private async handle(entry: StreamEntry) {
    let event: SyncEvent;
    try {
      event = parseStreamEntry(entry.fields);
    } catch (error) {
      if (!(error instanceof InvalidArgument)) throw error;
      this.metrics.eventHandled('unknown', 'stream', 'rejected');
      await this.deadLetter(entry, `invalid event: ${error.message}`, 1, 'unknown');
      return;
    }

    let lastError: unknown;
    for (let attempt = 1; attempt <= IN_PLACE_ATTEMPTS; attempt++) {
      try {
        await this.applier.apply(event, 'stream');
        await this.streams.ack(this.settings.stream, this.settings.consumerGroup, entry.id);
        return;
      } catch (error) {
        lastError = error;
        if (attempt < IN_PLACE_ATTEMPTS) await sleep(100 * 2 ** attempt);
      }
    }
    this.metrics.eventHandled(event.table, 'stream', 'failed');
    const deliveries = await this.streams.deliveries(
      this.settings.stream,
      this.settings.consumerGroup,
      entry.id,
    );
    if (deliveries >= this.settings.maxDeliveries) {
      await this.deadLetter(
        entry,
        `not applied after ${deliveries} deliveries: ${String(lastError)}`,
        deliveries,
        event.table,
      );
    } else {
      this.logger.warn({
        msg: 'sync event not applied; left pending for a retry',
        entryId: entry.id,
        table: event.table,
        deliveries,
        error: String(lastError),
      });
    }
  }

  private async deadLetter(entry: StreamEntry, reason: string, deliveries: number, table: string) {
    const { stream, consumerGroup, deadLetterStream } = this.settings;
    const original = entry.fields.event ?? JSON.stringify(entry.fields);
    await this.streams.add(deadLetterStream, {
      originalId: entry.id,
      stream,
      reason,
      deliveries: String(deliveries),
      consumer: this.consumer,
      deadLetteredAt: new Date().toISOString(),
      event: original.length > DEAD_LETTER_KEEP_BYTES ? original.slice(0, DEAD_LETTER_KEEP_BYTES) : original,
    });
    await this.streams.ack(stream, consumerGroup, entry.id);
    this.metrics.eventHandled(table, 'stream', 'dead_lettered');
    this.logger.error({
      msg: 'sync event moved to the dead-letter stream',
      entryId: entry.id,
      deadLetterStream,
      reason,
    });
    await this.reportBacklog();
  }

  private async reportBacklog() {
    const { stream, consumerGroup, deadLetterStream } = this.settings;
    const [pending, dead] = await Promise.all([
      this.streams.pendingCount(stream, consumerGroup),
      this.streams.length(deadLetterStream),
    ]);
    this.metrics.streamBacklog(pending, dead);
    this.nextBacklogReportAt = Date.now() + BACKLOG_REPORT_EVERY_MS;
  }
}
