import type { Server } from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import { GrpcHealth } from './grpc-health.js';

type Check = (
  call: { request: { service: string } },
  callback: (error: unknown, reply?: { status: string }) => void,
) => void;

/** Answers `Health/Check` as the server would, through the handlers GrpcHealth registers. */
function checker(health: GrpcHealth) {
  let check!: Check;
  health.addToServer({
    addService: (_definition: unknown, handlers: { check: Check }) => {
      check = handlers.check;
    },
  } as unknown as Server);
  return (service = '') =>
    new Promise<string>((resolve, reject) =>
      check({ request: { service } }, (error, reply) => (error ? reject(error) : resolve(reply!.status))),
    );
}

describe(GrpcHealth.name, () => {
  const SERVICE = 'pkg.Service';

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  describe('serveOnceDatabaseAnswers', () => {
    it('turns the server and its service SERVING when the database answers', async () => {
      const sut = new GrpcHealth([SERVICE]);
      const status = checker(sut);
      expect(await status()).toBe('NOT_SERVING');

      await sut.serveOnceDatabaseAnswers(async () => undefined);

      expect([await status(), await status(SERVICE)]).toEqual(['SERVING', 'SERVING']);
    });

    it('returns after one failed try, stays NOT_SERVING, and turns SERVING once the database answers', async () => {
      const sut = new GrpcHealth([SERVICE]);
      const status = checker(sut);
      let answers = false;
      const ping = jest.fn(async () => {
        if (!answers) throw new Error('connect ECONNREFUSED');
      });

      await sut.serveOnceDatabaseAnswers(ping);
      expect(await status()).toBe('NOT_SERVING');
      await jest.advanceTimersByTimeAsync(3_000);
      expect(await status()).toBe('NOT_SERVING');

      answers = true;
      await jest.advanceTimersByTimeAsync(1_000);

      expect(await status()).toBe('SERVING');
      const tries = ping.mock.calls.length;
      await jest.advanceTimersByTimeAsync(5_000);
      expect(ping).toHaveBeenCalledTimes(tries); // no more tries once it answered
    });

    it('stays NOT_SERVING once drained, even if the database answers afterwards', async () => {
      const sut = new GrpcHealth([SERVICE]);
      const status = checker(sut);
      let answers = false;
      await sut.serveOnceDatabaseAnswers(async () => {
        if (!answers) throw new Error('down');
      });

      sut.setServing(false);
      answers = true;
      await jest.advanceTimersByTimeAsync(5_000);
      sut.setServing(true);

      expect(await status()).toBe('NOT_SERVING');
    });
  });
});
