import { FakeClock } from '../../test/support/fakes/fake-clock.js';
import { CircuitBreaker } from './circuit-breaker.js';

describe(CircuitBreaker.name, () => {
  let clock: FakeClock;
  let states: string[];
  let sut: CircuitBreaker;

  beforeEach(() => {
    clock = new FakeClock();
    states = [];
    sut = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1_000 }, clock, (s) => states.push(s));
  });

  it('opens after the threshold of consecutive failures, not before', () => {
    sut.failed();
    sut.failed();
    expect(sut.allows()).toBe(true);
    sut.failed();
    expect(sut.allows()).toBe(false);
    expect(states).toEqual(['open']);
  });

  it('forgets failures after a success', () => {
    sut.failed();
    sut.failed();
    sut.succeeded();
    sut.failed();
    sut.failed();
    expect(sut.current).toBe('closed');
  });

  it('lets one probe through after the cooldown; its success closes the breaker', () => {
    for (let i = 0; i < 3; i++) sut.failed();
    clock.advance(1_000);
    expect(sut.allows()).toBe(true);
    expect(sut.allows()).toBe(false); // one probe at a time
    sut.succeeded();
    expect(sut.current).toBe('closed');
    expect(states).toEqual(['open', 'half_open', 'closed']);
  });

  it('opens again when the probe fails', () => {
    for (let i = 0; i < 3; i++) sut.failed();
    clock.advance(1_000);
    sut.allows();
    sut.failed();
    expect(sut.current).toBe('open');
  });
});
