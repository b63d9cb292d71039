import type { Cluster, Redis } from 'ioredis';
import type { SyncEvent } from '../../src/replicator/sync-event.js';

type Client = Redis | Cluster;

/**
 * Adds a sync event to a replicator stream the way the replicator writes it: one `event` field
 * holding the JSON (DESIGN.md), `syncedAt` now unless given. Returns the entry id.
 */
export async function addSyncEvent(
  redis: Client,
  stream: string,
  event: Omit<SyncEvent, 'syncedAt'> & { syncedAt?: string },
): Promise<string> {
  const entry = { ...event, syncedAt: event.syncedAt ?? new Date().toISOString() };
  return (await redis.xadd(stream, '*', 'event', JSON.stringify(entry))) as string;
}

/** How many entries of the stream the consumer group has read and not acknowledged. */
export async function pendingEntries(redis: Client, stream: string, group: string): Promise<number> {
  return Number(((await redis.xpending(stream, group)) as [number | string])[0]);
}
