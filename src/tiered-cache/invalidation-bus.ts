import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';

/** What one instance tells the others: drop these keys, or everything of a namespace older than `generation`. */
export interface InvalidationMessage {
  namespace: string;
  keys?: string[];
  generation?: number;
}

/** On the wire the namespace is `kind`, as instances of earlier versions send and read it. */
interface WireMessage {
  origin: string;
  kind: string;
  keys?: string[];
  generation?: number;
}

/** The publish/subscribe transport the bus runs on (Redis pub/sub in the service). */
export interface PubSubTransport {
  publish(channel: string, message: string): Promise<unknown>;
  /** Must not wait for the broker: it subscribes when it can, and calls `onResubscribed` after any gap. */
  subscribe(channel: string, handler: (message: string) => void, onResubscribed?: () => void): Promise<void>;
}

/** Keys per message: a bulk invalidation goes out in chunks, so no message is megabytes long. */
export const KEYS_PER_MESSAGE = 1_000;

/**
 * Carries L1 invalidations between instances. An instance ignores its own messages: it applied
 * them before publishing. Messages naming an unknown namespace or malformed are dropped.
 */
export class InvalidationBus {
  private readonly logger = new Logger(InvalidationBus.name);
  private readonly origin = randomUUID();

  constructor(
    private readonly transport: PubSubTransport,
    private readonly channel: string,
    private readonly namespaces: readonly string[],
  ) {}

  async start(onMessage: (message: InvalidationMessage) => void, onMissedMessages: () => void) {
    await this.transport.subscribe(
      this.channel,
      (raw) => {
        const wire = this.parse(raw);
        if (!wire) {
          this.logger.warn({ msg: 'ignored a malformed cache invalidation message', bytes: raw.length });
          return;
        }
        if (wire.origin === this.origin) return;
        onMessage({
          namespace: wire.kind,
          ...(wire.keys ? { keys: wire.keys } : {}),
          ...(wire.generation !== undefined ? { generation: wire.generation } : {}),
        });
      },
      onMissedMessages,
    );
  }

  async publish(message: InvalidationMessage): Promise<void> {
    const { namespace, ...rest } = message;
    const wire: WireMessage = { origin: this.origin, kind: namespace, ...rest };
    await this.transport.publish(this.channel, JSON.stringify(wire));
  }

  private parse(raw: string): WireMessage | undefined {
    try {
      const value = JSON.parse(raw) as Partial<WireMessage>;
      if (typeof value.origin !== 'string' || !this.namespaces.includes(value.kind as string))
        return undefined;
      if (
        value.keys !== undefined &&
        !(Array.isArray(value.keys) && value.keys.every((k) => typeof k === 'string'))
      )
        return undefined;
      if (value.generation !== undefined && !Number.isInteger(value.generation)) return undefined;
      return value as WireMessage;
    } catch {
      return undefined;
    }
  }
}
