import { Injectable } from '@nestjs/common';
import type { RedisClient } from './redis-client.factory.js';
import { RedisConnections } from './redis-connections.js';

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

const toEntry = ([id, flat]: [string, string[]]): StreamEntry => {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
  return { id, fields };
};

/**
 * Redis Streams consumer-group operations. Blocking reads use a connection of their own
 * (a blocked connection can serve nobody else); the rest use the shared one.
 */
@Injectable()
export class RedisStreams {
  private reader?: RedisClient;
  private stopped = false;

  constructor(private readonly connections: RedisConnections) {}

  /** Creates the group (and the stream) if missing; an existing group is left as it is. */
  async ensureGroup(stream: string, group: string, startId = '0'): Promise<void> {
    try {
      await this.connections.commands.xgroup('CREATE', stream, group, startId, 'MKSTREAM');
    } catch (error) {
      if (!String(error).includes('BUSYGROUP')) throw error;
    }
  }

  /** New entries for this consumer, waiting up to `blockMs` for some. */
  async readNew(
    stream: string,
    group: string,
    consumer: string,
    count: number,
    blockMs: number,
  ): Promise<StreamEntry[]> {
    const reply = (await this.blockingConnection().xreadgroup(
      'GROUP',
      group,
      consumer,
      'COUNT',
      count,
      'BLOCK',
      blockMs,
      'STREAMS',
      stream,
      '>',
    )) as Array<[string, Array<[string, string[]]>]> | null;
    return (reply?.[0]?.[1] ?? []).map(toEntry);
  }

  /**
   * Takes over entries pending longer than `minIdleMs` (their consumer died, or failed to
   * process them), this consumer's own included. Returns the entries and the cursor to go on.
   */
  async claimIdle(
    stream: string,
    group: string,
    consumer: string,
    minIdleMs: number,
    cursor = '0-0',
    count = 50,
  ) {
    const [next, claimed] = (await this.connections.commands.xautoclaim(
      stream,
      group,
      consumer,
      minIdleMs,
      cursor,
      'COUNT',
      count,
    )) as [string, Array<[string, string[]] | null>];
    return { next, entries: claimed.filter((e): e is [string, string[]] => e !== null).map(toEntry) };
  }

  /** How many times an entry has been delivered (XPENDING), 0 if it is not pending. */
  async deliveries(stream: string, group: string, id: string): Promise<number> {
    const rows = (await this.connections.commands.xpending(stream, group, id, id, 1)) as Array<
      [string, string, number, number]
    >;
    return rows[0]?.[3] ?? 0;
  }

  async ack(stream: string, group: string, id: string): Promise<void> {
    await this.connections.commands.xack(stream, group, id);
  }

  async add(stream: string, fields: Record<string, string>): Promise<string> {
    return (await this.connections.commands.xadd(stream, '*', ...Object.entries(fields).flat())) as string;
  }

  /** Entries delivered to the group and not yet acknowledged. */
  async pendingCount(stream: string, group: string): Promise<number> {
    const summary = (await this.connections.commands.xpending(stream, group)) as [number, ...unknown[]];
    return Number(summary[0] ?? 0);
  }

  async length(stream: string): Promise<number> {
    return this.connections.commands.xlen(stream);
  }

  /** Ends a blocking read in progress at once (at shutdown), and any later one. */
  stopReading() {
    this.stopped = true;
    this.reader?.disconnect();
  }

  private blockingConnection(): RedisClient {
    if (this.stopped) throw new Error('stream reading stopped');
    this.reader ??= this.connections.dedicated('stream-reader');
    return this.reader;
  }
}
