import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { CancelFlag } from './cancel-flag.js';

describe(CancelFlag.name, () => {
  describe('follow', () => {
    it('raises the flag when the signal fires, not before', () => {
      const controller = new AbortController();
      const sut = new CancelFlag();
      sut.follow(controller.signal);
      expect(sut.aborted).toBe(false);

      controller.abort();

      expect(sut.aborted).toBe(true);
    });

    it('raises the flag at once for a signal that has already fired', () => {
      const sut = new CancelFlag();
      sut.follow(AbortSignal.abort());
      expect(sut.aborted).toBe(true);
    });

    it('stops following once told to: a load that finished is not marked cancelled later', () => {
      const controller = new AbortController();
      const sut = new CancelFlag();
      const stop = sut.follow(controller.signal);

      stop();
      controller.abort();

      expect(sut.aborted).toBe(false);
    });

    it('is never raised without a signal', () => {
      const sut = new CancelFlag();
      sut.follow(undefined);
      expect(sut.aborted).toBe(false);
    });
  });

  it('is seen by another thread that holds its buffer: the worker reads what the main thread raised', async () => {
    const sut = new CancelFlag();
    // The thread reports what it read before and after the main thread raised the flag.
    const thread = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const cell = new Int32Array(workerData);
       parentPort.postMessage(Atomics.load(cell, 0));
       while (Atomics.load(cell, 0) === 0) Atomics.wait(cell, 0, 0, 10);
       parentPort.postMessage(Atomics.load(cell, 0));`,
      { eval: true, workerData: sut.buffer },
    );
    try {
      const [before] = await once(thread, 'message');
      const after = once(thread, 'message');
      sut.raise();

      expect(before).toBe(0);
      expect((await after)[0]).toBe(1);
      expect(new CancelFlag(sut.buffer).aborted).toBe(true);
    } finally {
      await thread.terminate();
    }
  });
});
