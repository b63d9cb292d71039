import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { RedisClient } from './redis-client.factory.js';
import { RedisConnections } from './redis-connections.js';

type Handler = (message: string) => void;

/**
 * Publish/subscribe over Redis. Subscriptions share one dedicated connection (a subscribed
 * connection can run nothing else). After that connection comes back from an outage, the
 * `onResubscribed` callbacks run: messages published meanwhile were lost, and a subscriber
 * that keeps derived state (an L1 cache) must assume it missed some.
 */
@Injectable()
export class RedisPubSub implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisPubSub.name);
  private subscriber?: RedisClient;
  private readonly handlers = new Map<string, Handler[]>();
  private readonly resubscribed: Array<() => void> = [];
  private everReady = false;

  constructor(private readonly connections: RedisConnections) {}

  async publish(channel: string, message: string): Promise<number> {
    return this.connections.commands.publish(channel, message);
  }

  async subscribe(channel: string, handler: Handler, onResubscribed?: () => void): Promise<void> {
    const subscriber = this.connection();
    const list = this.handlers.get(channel) ?? [];
    list.push(handler);
    this.handlers.set(channel, list);
    if (onResubscribed) this.resubscribed.push(onResubscribed);
    try {
      await subscriber.subscribe(channel);
    } catch (error) {
      // ioredis re-subscribes on reconnect (autoResubscribe); until then the caller runs without messages.
      this.logger.warn({
        msg: 'redis subscribe failed; will retry on reconnect',
        channel,
        error: String(error),
      });
    }
  }

  onApplicationShutdown() {
    this.subscriber = undefined;
  }

  private connection(): RedisClient {
    if (this.subscriber) return this.subscriber;
    const subscriber = this.connections.dedicated('subscriber');
    subscriber.on('message', (channel: string, message: string) => {
      for (const handler of this.handlers.get(channel) ?? []) handler(message);
    });
    subscriber.on('ready', () => {
      if (this.everReady) for (const callback of this.resubscribed) callback();
      this.everReady = true;
    });
    if (subscriber.status === 'ready') this.everReady = true;
    this.subscriber = subscriber;
    return subscriber;
  }
}
