import { Module } from '@nestjs/common';
import { RedisStreams } from '../infrastructure/redis/redis-streams.js';
import { ReplicatorMetrics, replicatorMetricProviders } from '../platform/metrics/replicator.metrics.js';
import { RulesModule } from '../rules/rules.module.js';
import { RulesCacheModule } from '../rules-cache/rules-cache.module.js';
import { ReplicatorController } from './replicator.controller.js';
import { SyncEventApplier } from './sync-event.applier.js';
import { SyncEventStreamConsumer } from './sync-event-stream.consumer.js';

/** Sync events from the Salesforce replicator (stream and HTTP) → rules cache invalidations. */
@Module({
  imports: [RulesModule, RulesCacheModule],
  controllers: [ReplicatorController],
  providers: [
    ...replicatorMetricProviders,
    ReplicatorMetrics,
    RedisStreams,
    SyncEventApplier,
    SyncEventStreamConsumer,
  ],
  exports: [SyncEventApplier, SyncEventStreamConsumer, ReplicatorMetrics, RedisStreams],
})
export class ReplicatorModule {}
