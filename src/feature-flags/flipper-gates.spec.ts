import { crc32 } from 'node:zlib';
import {
  CLOSED_GATES,
  type FlipperGates,
  flipperBucket,
  flipperIdFor,
  gatesFromHash,
  isOpenFor,
} from './flipper-gates.js';

const FEATURE = 'mhv_accelerated_delivery_labs';
const gates = (overrides: Partial<FlipperGates>): FlipperGates => ({ ...CLOSED_GATES, ...overrides });

describe('flipperBucket', () => {
  it('matches the issue test vector: crc 2035768193, bucket 68193', () => {
    expect(crc32(`${FEATURE}user@example.com`)).toBe(2_035_768_193);
    expect(flipperBucket(FEATURE, 'user@example.com')).toBe(68_193);
  });
});

describe('isOpenFor', () => {
  describe('percentage of actors', () => {
    it.each([
      [68, false],
      [68.193, false],
      [68.194, true],
      [68.2, true],
      [69, true],
      [100, true],
      [0, false],
    ])('is %p%% -> %p for the test vector actor (on only above 68.193)', (percentage, expected) => {
      expect(isOpenFor(FEATURE, gates({ percentageOfActors: percentage }), 'user@example.com')).toBe(
        expected,
      );
    });

    it('turns on 25% ± 1.5% of 10,000 synthetic users, and every one of them stays on at 50%', () => {
      const users = Array.from({ length: 10_000 }, (_, i) => `veteran${i}@example.com`);
      const onAt25 = users.filter((id) => isOpenFor(FEATURE, gates({ percentageOfActors: 25 }), id));
      const onAt50 = new Set(users.filter((id) => isOpenFor(FEATURE, gates({ percentageOfActors: 50 }), id)));

      expect(onAt25.length / users.length).toBeGreaterThanOrEqual(0.235);
      expect(onAt25.length / users.length).toBeLessThanOrEqual(0.265);
      expect(onAt25.every((id) => onAt50.has(id))).toBe(true);
      expect(onAt50.size).toBeGreaterThan(onAt25.length);
    });
  });

  it('is on for everyone, with or without an actor, when the boolean gate is on', () => {
    expect(isOpenFor(FEATURE, gates({ boolean: true }), 'anyone')).toBe(true);
    expect(isOpenFor(FEATURE, gates({ boolean: true }), undefined)).toBe(true);
  });

  it('is on for a listed actor only', () => {
    const sut = gates({ actors: new Set(['listed@example.com']) });
    expect(isOpenFor(FEATURE, sut, 'listed@example.com')).toBe(true);
    expect(isOpenFor(FEATURE, sut, 'other@example.com')).toBe(false);
  });

  it('is off with every gate closed', () => {
    expect(isOpenFor(FEATURE, CLOSED_GATES, 'user@example.com')).toBe(false);
  });
});

describe('gatesFromHash', () => {
  it('reads the Ruby adapter fields', () => {
    const sut = gatesFromHash({
      boolean: 'true',
      percentage_of_actors: '12.5',
      'actors/a@example.com': '1',
      'actors/b@example.com': '1',
      'groups/admins': '1',
    });
    expect(sut.boolean).toBe(true);
    expect(sut.percentageOfActors).toBe(12.5);
    expect([...sut.actors].sort()).toEqual(['a@example.com', 'b@example.com']);
  });

  it('reads an empty or unreadable hash as closed gates', () => {
    expect(gatesFromHash({})).toEqual(CLOSED_GATES);
    expect(gatesFromHash({ boolean: 'false', percentage_of_actors: 'lots' }).percentageOfActors).toBe(0);
  });
});

describe('flipperIdFor', () => {
  it('is the lower-cased email, or the uuid when there is no email', () => {
    expect(flipperIdFor({ email: 'User@Example.COM', userUuid: 'u1' })).toBe('user@example.com');
    expect(flipperIdFor({ email: undefined, userUuid: 'u1' })).toBe('u1');
  });
});
