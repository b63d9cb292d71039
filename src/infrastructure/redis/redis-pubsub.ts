import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { RedisClient } from './redis-client.factory.js';
import { RedisConnections } from './redis-connections.js';

type Handler = (message: string) => void;

/** A SUBSCRIBE refused on a connection that is up (an ACL, a Redis still loading) is tried again this often. */
const SUBSCRIBE_RETRY_MS = 1_000;

/**
 * Publish/subscribe over Redis. Subscriptions share one dedicated connection (a subscribed
 * connection can run nothing else), and subscribing never waits for Redis: a handler is
 * registered at once, and the channels are subscribed whenever that connection is ready, at
 * start and after every reconnect.
 *
 * Messages published while this process was not subscribed are lost, so a subscriber that
 * keeps derived state (an L1 cache) must assume it missed some. The `onResubscribed` callbacks
 * run each time the subscriptions are established after a time without them: after an outage,
 * and on the first subscribe when the process started without Redis (it may have served from
 * elsewhere meanwhile). A first subscribe on a connection that never failed runs nothing.
 */
@Injectable()
export class RedisPubSub implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisPubSub.name);
  private subscriber?: RedisClient;
  private readonly handlers = new Map<string, Handler[]>();
  private readonly resubscribed: Array<() => void> = [];
  /** Channels subscribed, or being subscribed, on the current connection. */
  private readonly requested = new Set<string>();
  /** Changes whenever the connection closes: a reply from an earlier connection means nothing. */
  private connectionEpoch = 0;
  /** The subscriptions were lost (or never made) since the callbacks last ran. */
  private missedMessages = false;
  private subscribeFailing = false;
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly connections: RedisConnections) {}

  async publish(channel: string, message: string): Promise<number> {
    return this.connections.commands.publish(channel, message);
  }

  /** Registers `handler` and returns at once; the SUBSCRIBE goes out when the connection is ready. */
  async subscribe(channel: string, handler: Handler, onResubscribed?: () => void): Promise<void> {
    const list = this.handlers.get(channel) ?? [];
    list.push(handler);
    this.handlers.set(channel, list);
    if (onResubscribed) this.resubscribed.push(onResubscribed);
    this.connection();
    this.subscribePending();
  }

  onApplicationShutdown() {
    this.stopped = true;
    clearTimeout(this.retry);
    this.subscriber = undefined;
  }

  private connection(): RedisClient {
    if (this.subscriber) return this.subscriber;
    const subscriber = this.connections.subscriber('subscriber');
    subscriber.on('message', (channel: string, message: string) => {
      for (const handler of this.handlers.get(channel) ?? []) handler(message);
    });
    // A gap starts when a connection that was ready closes, or when an attempt fails. A close
    // before the first `ready` without an error is a Cluster client's ready check retrying.
    let wasReady = subscriber.status === 'ready';
    subscriber.on('ready', () => {
      wasReady = true;
      this.subscribePending();
    });
    subscriber.on('error', () => {
      this.missedMessages = true;
    });
    subscriber.on('close', () => {
      this.connectionEpoch += 1;
      this.requested.clear();
      if (wasReady) this.missedMessages = true;
      wasReady = false;
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  /** Subscribes the channels not yet subscribed on the current connection, if it is ready. */
  private subscribePending() {
    const subscriber = this.subscriber;
    if (this.stopped || !subscriber || subscriber.status !== 'ready') return;
    const channels = [...this.handlers.keys()].filter((channel) => !this.requested.has(channel));
    if (channels.length === 0) return;
    for (const channel of channels) this.requested.add(channel);
    const epoch = this.connectionEpoch;
    subscriber.subscribe(...channels).then(
      () => {
        if (epoch === this.connectionEpoch) this.subscribed(channels);
      },
      (error: unknown) => {
        if (epoch === this.connectionEpoch) this.subscribeFailed(channels, error);
      },
    );
  }

  private subscribed(channels: string[]) {
    if (this.subscribeFailing) {
      this.subscribeFailing = false;
      this.logger.log({ msg: 'redis subscribe works again', channels });
    }
    if (!this.missedMessages) return;
    this.missedMessages = false;
    this.logger.log({ msg: 'redis subscriptions established after a gap', channels: [...this.requested] });
    for (const callback of this.resubscribed) {
      try {
        callback();
      } catch (error) {
        this.logger.error({ msg: 'a resubscribe callback failed', error: String(error) });
      }
    }
  }

  /**
   * Redis refused the SUBSCRIBE on a live connection (a reply on a connection that has closed
   * since is ignored: its next `ready` subscribes again). Tried again on a timer; only the first
   * refusal is logged.
   */
  private subscribeFailed(channels: string[], error: unknown) {
    for (const channel of channels) this.requested.delete(channel);
    if (!this.subscribeFailing) {
      this.subscribeFailing = true;
      this.logger.warn({ msg: 'redis subscribe failed; trying again', channels, error: String(error) });
    }
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.subscribePending(), SUBSCRIBE_RETRY_MS);
    this.retry.unref();
  }
}
