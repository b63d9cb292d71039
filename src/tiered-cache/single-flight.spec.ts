import { RequestCancelled } from '../platform/errors/domain-errors.js';
import { SingleFlight } from './single-flight.js';

/** A load that waits until `finish` is called, and counts how often it started. */
function gatedLoad() {
  const state = { starts: 0, signals: [] as AbortSignal[], finish: () => {} };
  const load = (signal: AbortSignal) => {
    state.starts += 1;
    state.signals.push(signal);
    return new Promise<string>((resolve) => {
      state.finish = () => resolve(`answer ${state.starts}`);
    });
  };
  return { state, load };
}

describe(SingleFlight.name, () => {
  describe('run', () => {
    it('shares one load between concurrent callers of a key', async () => {
      const sut = new SingleFlight<string>();
      const { state, load } = gatedLoad();
      const first = sut.run('k', load);
      const second = sut.run('k', load);
      await Promise.resolve();
      state.finish();
      expect([await first.result, await second.result]).toEqual(['answer 1', 'answer 1']);
      expect([first.joined, second.joined]).toEqual([false, true]);
      expect(state.starts).toBe(1);
    });

    it('lets one caller leave without cancelling the load the others still wait for', async () => {
      const sut = new SingleFlight<string>();
      const { state, load } = gatedLoad();
      const leaving = new AbortController();
      const a = sut.run('k', load, leaving.signal);
      const b = sut.run('k', load, new AbortController().signal);
      leaving.abort();
      await expect(a.result).rejects.toThrow(RequestCancelled);
      state.finish();
      expect(await b.result).toBe('answer 1');
      expect(state.signals[0].aborted).toBe(false);
    });

    it('cancels the load when its last caller leaves', async () => {
      const sut = new SingleFlight<string>();
      const { state, load } = gatedLoad();
      const leaving = new AbortController();
      const only = sut.run('k', load, leaving.signal);
      await Promise.resolve();
      leaving.abort();
      await expect(only.result).rejects.toThrow(RequestCancelled);
      expect(state.signals[0].aborted).toBe(true);
    });

    it('starts a new load for a caller who comes after every caller of a flight has left', async () => {
      const sut = new SingleFlight<string>();
      const { state, load } = gatedLoad();
      const leaving = new AbortController();
      const gone = sut.run('k', load, leaving.signal);
      await Promise.resolve();
      leaving.abort();
      await expect(gone.result).rejects.toThrow(RequestCancelled);

      const later = sut.run('k', load, new AbortController().signal);
      await Promise.resolve();
      state.finish();
      expect(later.joined).toBe(false);
      expect(await later.result).toBe('answer 2');
      expect(state.signals[1].aborted).toBe(false);
    });
  });

  describe('has', () => {
    it('forgets a key once its load settles', async () => {
      const sut = new SingleFlight<string>();
      const { state, load } = gatedLoad();
      const flight = sut.run('k', load);
      expect(sut.has('k')).toBe(true);
      await Promise.resolve();
      state.finish();
      await flight.result;
      expect(sut.has('k')).toBe(false);
    });
  });
});
