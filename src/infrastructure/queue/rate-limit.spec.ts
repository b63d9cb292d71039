import { limiterFor, worstCaseStarts } from './rate-limit.js';

/**
 * The densest schedule BullMQ's fixed windows allow, counted over one-second spans: windows open
 * back to back; the first packs its other starts at its very end, every later one packs all its
 * starts at its opening.
 */
function simulatedWorstCase({ max, duration }: { max: number; duration: number }, spanMs = 1000): number {
  const starts: number[] = [0, ...Array.from({ length: max - 1 }, () => duration - 0.001)];
  for (let open = duration; open < 3 * spanMs; open += duration)
    starts.push(...Array.from({ length: max }, () => open));
  let worst = 0;
  for (const from of starts.flatMap((t) => [t, t + 0.0001]))
    worst = Math.max(worst, starts.filter((t) => t >= from && t < from + spanMs).length);
  return worst;
}

describe('limiterFor', () => {
  it.each([1, 2, 5, 10, 50, 100, 200, 333, 1_000, 5_000])(
    'never lets more than %p jobs start in any one second',
    (perSecond) => {
      const sut = limiterFor(perSecond);
      expect(worstCaseStarts(sut)).toBeLessThanOrEqual(perSecond);
      if (perSecond <= 1_000) expect(simulatedWorstCase(sut)).toBeLessThanOrEqual(perSecond);
    },
  );

  it.each([10, 50, 200, 1_000])('keeps %p starts within any 1.1 s when asked for that span', (perSecond) => {
    const sut = limiterFor(perSecond, 1_100);
    expect(worstCaseStarts(sut, 1_100)).toBeLessThanOrEqual(perSecond);
    expect(simulatedWorstCase(sut, 1_100)).toBeLessThanOrEqual(perSecond);
    expect((sut.max * 1000) / sut.duration).toBeGreaterThanOrEqual(perSecond * 0.8);
  });

  it.each([50, 100, 200, 1_000, 5_000])(
    'still lets at least 90%% of %p jobs a second through',
    (perSecond) => {
      const { max, duration } = limiterFor(perSecond);
      expect((max * 1000) / duration).toBeGreaterThanOrEqual(perSecond * 0.9);
    },
  );
});

describe('worstCaseStarts', () => {
  it('shows why a plain one-second window is not enough', () => {
    expect(worstCaseStarts({ max: 100, duration: 1000 })).toBe(199);
    expect(simulatedWorstCase({ max: 100, duration: 1000 })).toBe(199);
  });
});
