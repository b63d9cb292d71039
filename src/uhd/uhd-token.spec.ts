import { refreshAt, tokenExpiry } from './uhd-token.js';

const jwt = (claims: object) =>
  ['e30', Buffer.from(JSON.stringify(claims)).toString('base64url'), 'c2ln'].join('.');

describe('tokenExpiry', () => {
  it('reads the exp claim of a JWT, with or without the Bearer scheme', () => {
    expect(tokenExpiry(jwt({ exp: 1_800_000_000 }))).toBe(1_800_000_000_000);
    expect(tokenExpiry(`Bearer ${jwt({ exp: 1_800_000_000 })}`)).toBe(1_800_000_000_000);
  });

  it.each([
    ['an opaque token', 'abc123'],
    ['a JWT without exp', jwt({ sub: 'x' })],
    ['a JWT whose payload is not JSON', 'a.bm90IGpzb24.c'],
  ])('gives undefined for %s', (_label, token) => {
    expect(tokenExpiry(token)).toBeUndefined();
  });
});

describe('refreshAt', () => {
  it('refreshes a minute before expiry for a long-lived token', () => {
    expect(refreshAt(0, 3_600_000)).toBe(3_540_000);
  });

  it('refreshes at 90% of the lifetime for a short-lived token', () => {
    expect(refreshAt(0, 100_000)).toBe(90_000);
  });
});
