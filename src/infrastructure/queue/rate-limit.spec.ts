import { limiterFor, worstCaseStartsPerSecond } from './rate-limit.js';

/**
 * The densest schedule BullMQ's fixed windows allow, counted over one-second spans: windows open
 * back to back; the first packs its other starts at its very end, every later one packs all its
 * starts at its opening.
 */
function simulatedWorstCase({ max, duration }: { max: number; duration: number }): number {
  const starts: number[] = [0, ...Array.from({ length: max - 1 }, () => duration - 0.001)];
  for (let open = duration; open < 3_000; open += duration)
    starts.push(...Array.from({ length: max }, () => open));
  let worst = 0;
  for (const from of starts.flatMap((t) => [t, t + 0.0001]))
    worst = Math.max(worst, starts.filter((t) => t >= from && t < from + 1000).length);
  return worst;
}

describe('limiterFor', () => {
  it.each([1, 2, 5, 10, 50, 100, 200, 333, 1_000, 5_000])(
    'never lets more than %p jobs start in any one second',
    (perSecond) => {
      const sut = limiterFor(perSecond);
      expect(worstCaseStartsPerSecond(sut)).toBeLessThanOrEqual(perSecond);
      if (perSecond <= 1_000) expect(simulatedWorstCase(sut)).toBeLessThanOrEqual(perSecond);
    },
  );

  it.each([50, 100, 200, 1_000, 5_000])(
    'still lets at least 90%% of %p jobs a second through',
    (perSecond) => {
      const { max, duration } = limiterFor(perSecond);
      expect((max * 1000) / duration).toBeGreaterThanOrEqual(perSecond * 0.9);
    },
  );
});

describe('worstCaseStartsPerSecond', () => {
  it('shows why a plain one-second window is not enough', () => {
    expect(worstCaseStartsPerSecond({ max: 100, duration: 1000 })).toBe(199);
    expect(simulatedWorstCase({ max: 100, duration: 1000 })).toBe(199);
  });
});
