import { toBoolean, toDate, toTimestamp } from './row-format.js';

describe('row-format', () => {
  describe(toTimestamp.name, () => {
    it.each([
      ['2026-03-01 12:00:00.123', '2026-03-01T12:00:00.123Z'],
      ['2026-03-01 12:00:00', '2026-03-01T12:00:00.000Z'],
      ['2026-03-01T12:00:00.5', '2026-03-01T12:00:00.500Z'],
      ['2026-03-01T12:00:00.123456', '2026-03-01T12:00:00.123Z'],
      ['2026-03-01T14:00:00.000+02:00', '2026-03-01T12:00:00.000Z'],
    ])('formats %s as %s', (input, expected) => {
      expect(toTimestamp(input)).toBe(expected);
    });
  });

  it('keeps the date part of a date', () => {
    expect(toDate('2026-03-01')).toBe('2026-03-01');
    expect(toDate('2026-03-01 00:00:00')).toBe('2026-03-01');
  });

  it('reads 1, "1" and true as true and everything else as false', () => {
    expect([1, '1', true].map(toBoolean)).toEqual([true, true, true]);
    expect([0, '0', false, null].map(toBoolean)).toEqual([false, false, false, false]);
  });
});
