import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type { RedisClient } from './redis-client.factory.js';
import type { RedisConnections } from './redis-connections.js';
import { RedisPubSub } from './redis-pubsub.js';

/** A subscriber connection the test opens and closes; each SUBSCRIBE waits until the test answers it. */
class FakeSubscriber extends EventEmitter {
  status = 'connecting';
  readonly subscribes: Array<{ channels: string[]; answer: () => void; refuse: (e: Error) => void }> = [];

  subscribe(...channels: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.subscribes.push({ channels, answer: () => resolve(channels.length), refuse: reject });
    });
  }

  ready() {
    this.status = 'ready';
    this.emit('ready');
  }

  /** An attempt refused, or an established connection lost: ioredis reports an error, then the close. */
  lost() {
    this.status = 'reconnecting';
    this.emit('error', new Error('connect ECONNREFUSED'));
    this.emit('close');
  }

  /** Answers every SUBSCRIBE sent so far and lets the replies land. */
  async answerAll() {
    for (const s of this.subscribes.splice(0)) s.answer();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function build() {
  const subscriber = new FakeSubscriber();
  const connections = {
    subscriber: () => subscriber as unknown as RedisClient,
  } as unknown as RedisConnections;
  return { sut: new RedisPubSub(connections), subscriber };
}

describe(RedisPubSub.name, () => {
  beforeAll(() => Logger.overrideLogger(false));

  describe('subscribe', () => {
    it('returns at once while Redis is down, and subscribes once the connection is ready', async () => {
      const { sut, subscriber } = build();

      await sut.subscribe('ch', () => undefined);
      subscriber.lost();
      expect(subscriber.subscribes).toEqual([]);

      subscriber.ready();
      expect(subscriber.subscribes.map((s) => s.channels)).toEqual([['ch']]);
    });

    it('delivers messages of a subscribed channel to every handler of that channel', async () => {
      const { sut, subscriber } = build();
      const received: string[] = [];
      await sut.subscribe('ch', (m) => received.push(`a:${m}`));
      await sut.subscribe('ch', (m) => received.push(`b:${m}`));
      subscriber.ready();
      await subscriber.answerAll();

      subscriber.emit('message', 'ch', 'hello');
      subscriber.emit('message', 'other', 'ignored');

      expect(received).toEqual(['a:hello', 'b:hello']);
    });

    it('runs no callback on the first subscribe when Redis was up from the start', async () => {
      const { sut, subscriber } = build();
      const onResubscribed = jest.fn();
      await sut.subscribe('ch', () => undefined, onResubscribed);

      subscriber.ready();
      await subscriber.answerAll();

      expect(onResubscribed).not.toHaveBeenCalled();
    });

    it('runs no callback when the only close before the first ready came without an error', async () => {
      const { sut, subscriber } = build();
      const onResubscribed = jest.fn();
      await sut.subscribe('ch', () => undefined, onResubscribed);

      subscriber.emit('close'); // a Cluster client whose ready check ran before its nodes connected
      subscriber.ready();
      await subscriber.answerAll();

      expect(onResubscribed).not.toHaveBeenCalled();
    });

    it('runs the callbacks after a connection that was ready closed, even without an error', async () => {
      const { sut, subscriber } = build();
      const onResubscribed = jest.fn();
      await sut.subscribe('ch', () => undefined, onResubscribed);
      subscriber.ready();
      await subscriber.answerAll();

      subscriber.emit('close'); // Redis restarted and closed the connection cleanly
      subscriber.ready();
      await subscriber.answerAll();

      expect(onResubscribed).toHaveBeenCalledTimes(1);
    });

    it('runs the callbacks on the first subscribe when the process started without Redis', async () => {
      const { sut, subscriber } = build();
      const onResubscribed = jest.fn();
      await sut.subscribe('ch', () => undefined, onResubscribed);
      subscriber.lost();
      subscriber.lost();

      subscriber.ready();
      expect(onResubscribed).not.toHaveBeenCalled(); // not before Redis confirmed the subscription
      await subscriber.answerAll();

      expect(onResubscribed).toHaveBeenCalledTimes(1);
    });

    it('subscribes every channel again after each reconnect and runs the callbacks each time', async () => {
      const { sut, subscriber } = build();
      const onResubscribed = jest.fn();
      await sut.subscribe('a', () => undefined, onResubscribed);
      await sut.subscribe('b', () => undefined);
      subscriber.ready();
      await subscriber.answerAll();

      for (let outage = 1; outage <= 2; outage++) {
        subscriber.lost();
        subscriber.ready();
        expect(subscriber.subscribes.map((s) => s.channels)).toEqual([['a', 'b']]);
        await subscriber.answerAll();
        expect(onResubscribed).toHaveBeenCalledTimes(outage);
      }
    });

    it('ignores the reply to a SUBSCRIBE sent on a connection that closed since', async () => {
      const { sut, subscriber } = build();
      const onResubscribed = jest.fn();
      await sut.subscribe('ch', () => undefined, onResubscribed);
      subscriber.ready();
      const [first] = subscriber.subscribes.splice(0);

      subscriber.lost();
      first.answer(); // ioredis resends an unanswered command after a reconnect
      await new Promise((resolve) => setImmediate(resolve));
      expect(onResubscribed).not.toHaveBeenCalled();

      subscriber.ready();
      await subscriber.answerAll();
      expect(onResubscribed).toHaveBeenCalledTimes(1);
    });

    it('tries a SUBSCRIBE that Redis refused on a live connection again', async () => {
      jest.useFakeTimers();
      try {
        const { sut, subscriber } = build();
        await sut.subscribe('ch', () => undefined);
        subscriber.ready();
        subscriber.subscribes.splice(0)[0].refuse(new Error('NOPERM'));
        await jest.advanceTimersByTimeAsync(0);
        expect(subscriber.subscribes).toEqual([]);

        await jest.advanceTimersByTimeAsync(1_000);

        expect(subscriber.subscribes.map((s) => s.channels)).toEqual([['ch']]);
        sut.onApplicationShutdown();
      } finally {
        jest.useRealTimers();
      }
    });
  });
});
