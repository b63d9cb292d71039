import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AppConfig } from '../../config/app-config.js';
import { Unauthenticated } from '../errors/domain-errors.js';
import { BearerTokenGuard } from './bearer-token.guard.js';

const ADMIN = 'admin-token-0123456789abcdef';
const INTERNAL = 'internal-token-0123456789abcdef';

function contextWith(authorization: string | undefined): ExecutionContext {
  return {
    getHandler: () => () => undefined,
    getClass: () => class {},
    switchToHttp: () => ({ getRequest: () => ({ headers: { authorization } }) }),
  } as unknown as ExecutionContext;
}

describe(BearerTokenGuard.name, () => {
  const config = { auth: { adminApiToken: ADMIN, internalApiToken: INTERNAL } } as AppConfig;
  const reflector = new Reflector();
  let sut: BearerTokenGuard;

  beforeEach(() => {
    jest.spyOn(reflector, 'getAllAndOverride').mockReturnValue('admin');
    sut = new BearerTokenGuard(reflector, config);
  });

  it('lets the right token in', () => {
    expect(sut.canActivate(contextWith(`Bearer ${ADMIN}`))).toBe(true);
  });

  it('reads the scheme in any case, as RFC 7235 says schemes are', () => {
    expect(sut.canActivate(contextWith(`bearer ${ADMIN}`))).toBe(true);
    expect(sut.canActivate(contextWith(`BEARER ${ADMIN}`))).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['the wrong scheme', `Basic ${ADMIN}`],
    ['the token without a scheme', ADMIN],
    ['a wrong token', 'Bearer nope'],
    ['a prefix of the token', `Bearer ${ADMIN.slice(0, -1)}`],
    ['the token with extra characters', `Bearer ${ADMIN}x`],
    ['the other audience’s token', `Bearer ${INTERNAL}`],
  ])('refuses %s with Unauthenticated', (_label, header) => {
    expect(() => sut.canActivate(contextWith(header))).toThrow(Unauthenticated);
  });

  it('refuses everyone when the server has no token configured', () => {
    const open = new BearerTokenGuard(reflector, { auth: {} } as AppConfig);
    expect(() => open.canActivate(contextWith('Bearer anything'))).toThrow(Unauthenticated);
  });
});
