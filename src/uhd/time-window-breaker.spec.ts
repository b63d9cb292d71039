import { CircuitState } from 'cockatiel';
import { TimeWindowBreaker } from './time-window-breaker.js';

describe(TimeWindowBreaker.name, () => {
  let now: number;
  let sut: TimeWindowBreaker;

  const succeed = (times: number) => {
    for (let i = 0; i < times; i++) sut.success(CircuitState.Closed);
  };
  /** Fails `times` calls; whether the last one asked to open. */
  const fail = (times: number) => {
    let open = false;
    for (let i = 0; i < times; i++) open = sut.failure(CircuitState.Closed);
    return open;
  };

  beforeEach(() => {
    now = 1_000_000;
    sut = new TimeWindowBreaker({ threshold: 0.5, windowMs: 10_000, minimumCalls: 20, now: () => now });
  });

  describe('failure', () => {
    it('opens when more than the threshold of the window’s calls failed', () => {
      succeed(10);
      expect(fail(10)).toBe(false);
      expect(fail(1)).toBe(true);
    });

    it('does not open before the window holds the minimum number of calls', () => {
      expect(fail(19)).toBe(false);
      expect(fail(1)).toBe(true);
    });

    it('no longer counts calls older than the window, however few calls came since', () => {
      succeed(1_000);
      now += 15_000; // every call since hung until its timeout: nothing ended meanwhile
      expect(fail(19)).toBe(false);
      expect(fail(1)).toBe(true);
    });

    it('counts calls still inside the window', () => {
      succeed(30);
      now += 9_000;
      expect(fail(30)).toBe(false);
      expect(fail(1)).toBe(true);
    });

    it('asks to open again when the probe of a half-open circuit fails', () => {
      expect(sut.failure(CircuitState.HalfOpen)).toBe(true);
    });
  });

  describe('success', () => {
    it('forgets the failures before a successful probe', () => {
      fail(15);
      sut.success(CircuitState.HalfOpen);
      expect(fail(10)).toBe(false);
      expect(fail(10)).toBe(true);
    });
  });

  describe('state', () => {
    it('round-trips through its serialized state', () => {
      succeed(5);
      fail(14);
      const copy = new TimeWindowBreaker({
        threshold: 0.5,
        windowMs: 10_000,
        minimumCalls: 20,
        now: () => now,
      });
      copy.state = sut.state;
      expect(copy.failure(CircuitState.Closed)).toBe(true);
    });
  });
});
