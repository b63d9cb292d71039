import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { RedisPubSub } from '../infrastructure/redis/redis-pubsub.js';
import { RULES_KINDS, type RulesKind } from '../rules/rules.types.js';

/** What one instance tells the others: drop these keys, or everything of a kind older than `generation`. */
export interface InvalidationMessage {
  kind: RulesKind;
  keys?: string[];
  generation?: number;
}

interface WireMessage extends InvalidationMessage {
  origin: string;
}

/**
 * Carries L1 invalidations between instances over Redis pub/sub (its own connection). An
 * instance ignores its own messages: it applied them before publishing.
 */
export class InvalidationBus {
  private readonly logger = new Logger(InvalidationBus.name);
  private readonly origin = randomUUID();

  constructor(
    private readonly pubsub: RedisPubSub,
    private readonly channel: string,
  ) {}

  async start(
    onMessage: (message: InvalidationMessage) => void,
    onMissedMessages: () => void,
  ): Promise<void> {
    await this.pubsub.subscribe(
      this.channel,
      (raw) => {
        const message = parse(raw);
        if (!message) {
          this.logger.warn({ msg: 'ignored a malformed cache invalidation message', bytes: raw.length });
          return;
        }
        if (message.origin !== this.origin) onMessage(message);
      },
      onMissedMessages,
    );
  }

  async publish(message: InvalidationMessage): Promise<void> {
    const wire: WireMessage = { ...message, origin: this.origin };
    await this.pubsub.publish(this.channel, JSON.stringify(wire));
  }
}

function parse(raw: string): WireMessage | undefined {
  try {
    const value = JSON.parse(raw) as Partial<WireMessage>;
    if (typeof value.origin !== 'string' || !RULES_KINDS.includes(value.kind as RulesKind)) return undefined;
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
