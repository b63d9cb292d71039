import { REPLICA_TABLES, type ReplicaTable } from '../infrastructure/database/schema.js';
import { InvalidArgument } from '../platform/errors/domain-errors.js';
import { parseEnrollmentChannelId } from '../rules/enrollment-channel-id.js';

/** What the Salesforce replicator says it synced (DESIGN.md). No ids: the whole table changed. */
export interface SyncEvent {
  table: ReplicaTable;
  enrollmentChannelIds?: string[];
  populationIds?: string[];
  syncedAt: string;
}

/** One event may name at most this many ids in all; more is refused rather than half-applied. */
export const MAX_IDS_PER_EVENT = 10_000;

const FIELDS = new Set(['table', 'enrollmentChannelIds', 'populationIds', 'syncedAt']);
const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Validates a sync event from either source (the stream or HTTP) the same way. Throws
 * InvalidArgument naming the first bad field; nothing is applied from an invalid event.
 */
export function parseSyncEvent(value: unknown): SyncEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgument('event', 'must be a JSON object');
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record))
    if (!FIELDS.has(key)) throw new InvalidArgument(key, 'is not a sync event field');

  const table = record.table;
  if (typeof table !== 'string' || !REPLICA_TABLES.includes(table as ReplicaTable)) {
    throw new InvalidArgument('table', `must be one of ${REPLICA_TABLES.join(', ')}`);
  }
  const syncedAt = record.syncedAt;
  if (typeof syncedAt !== 'string' || !ISO_8601.test(syncedAt) || Number.isNaN(Date.parse(syncedAt))) {
    throw new InvalidArgument('syncedAt', 'must be an ISO-8601 timestamp with a time zone');
  }

  const enrollmentChannelIds = idList(record, 'enrollmentChannelIds', (id, field) => {
    try {
      return parseEnrollmentChannelId(id);
    } catch {
      throw new InvalidArgument(field, 'must be 1-64 characters of [A-Za-z0-9_.:-]');
    }
  });
  const populationIds = idList(record, 'populationIds', (id, field) => {
    if (typeof id !== 'string' || !ID.test(id))
      throw new InvalidArgument(field, 'must be 1-64 characters of [A-Za-z0-9_.:-]');
    return id;
  });
  if ((enrollmentChannelIds?.length ?? 0) + (populationIds?.length ?? 0) > MAX_IDS_PER_EVENT) {
    throw new InvalidArgument(
      'enrollmentChannelIds',
      `an event names at most ${MAX_IDS_PER_EVENT} ids in all`,
    );
  }

  return {
    table: table as ReplicaTable,
    syncedAt,
    ...(enrollmentChannelIds ? { enrollmentChannelIds } : {}),
    ...(populationIds ? { populationIds } : {}),
  };
}

function idList(
  record: Record<string, unknown>,
  field: string,
  parse: (id: unknown, field: string) => string,
): string[] | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new InvalidArgument(field, 'must be an array of ids');
  if (value.length > MAX_IDS_PER_EVENT)
    throw new InvalidArgument(field, `must hold at most ${MAX_IDS_PER_EVENT} ids`);
  return [...new Set(value.map((id, i) => parse(id, `${field}[${i}]`)))];
}

/** Reads a stream entry's `event` field (JSON) as a sync event. */
export function parseStreamEntry(fields: Record<string, string>): SyncEvent {
  const raw = fields.event;
  if (raw === undefined) throw new InvalidArgument('event', 'the stream entry has no event field');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new InvalidArgument('event', 'is not valid JSON');
  }
  return parseSyncEvent(value);
}
