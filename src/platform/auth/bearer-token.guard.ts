import { timingSafeEqual } from 'node:crypto';
import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppConfig } from '../../config/app-config.js';
import { Unauthenticated } from '../errors/domain-errors.js';

export type TokenAudience = 'admin' | 'internal';
const AUDIENCE = Symbol('TOKEN_AUDIENCE');

/**
 * Checks `Authorization: Bearer <token>` against ADMIN_API_TOKEN or INTERNAL_API_TOKEN in
 * constant time. A missing, malformed or wrong token, or an unset token on the server, is 401.
 */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const audience = this.reflector.getAllAndOverride<TokenAudience>(AUDIENCE, [
      context.getHandler(),
      context.getClass(),
    ]);
    const expected =
      audience === 'admin' ? this.config.auth.adminApiToken : this.config.auth.internalApiToken;
    checkBearerToken(context.switchToHttp().getRequest<Request>().headers.authorization, expected);
    return true;
  }
}

/**
 * Throws Unauthenticated unless `header` is `Bearer <expected>` (the scheme in any case, RFC 7235); shared by the guard and by
 * Express-mounted routers outside Nest's routing (the queue dashboard).
 */
export function checkBearerToken(header: unknown, expected: string | undefined): void {
  const presented = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header)?.[1] : undefined;
  if (!presented) throw new Unauthenticated('authorization: a Bearer token is required');
  if (!expected || !constantTimeEqual(presented, expected))
    throw new Unauthenticated('authorization: invalid token');
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // Compare equal-length buffers either way, so the time taken says nothing about the length.
  return (
    timingSafeEqual(Buffer.concat([left, right]).subarray(0, right.length), right) &&
    left.length === right.length
  );
}

/** Protects a controller or handler with ADMIN_API_TOKEN. */
export const AdminAuth = () => applyDecorators(SetMetadata(AUDIENCE, 'admin'), UseGuards(BearerTokenGuard));

/** Protects a controller or handler with INTERNAL_API_TOKEN (the sign-in flow, the replicator). */
export const InternalAuth = () =>
  applyDecorators(SetMetadata(AUDIENCE, 'internal'), UseGuards(BearerTokenGuard));
