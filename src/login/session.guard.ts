import {
  applyDecorators,
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import type { Request } from 'express';
import { Unauthenticated } from '../platform/errors/domain-errors.js';
import { SessionStore } from './session-store.js';
import type { Session } from './user-snapshot.js';

const SESSION_ID = /^Bearer ([A-Za-z0-9_-]{43})$/;
type WithSession = Request & { session?: Session };

/** `Authorization: Bearer <sessionId>` from POST /v0/sign-ins; unknown or expired is 401. */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(private readonly sessions: SessionStore) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<WithSession>();
    const header = request.headers.authorization;
    const sessionId = typeof header === 'string' ? SESSION_ID.exec(header)?.[1] : undefined;
    if (!sessionId) throw new Unauthenticated('authorization: a Bearer session id is required');
    const session = await this.sessions.findSession(sessionId);
    if (!session) throw new Unauthenticated('authorization: session expired or unknown');
    request.session = session;
    return true;
  }
}

export const SessionAuth = () => applyDecorators(UseGuards(SessionGuard));

/** The session the guard found for this request. */
export const CurrentSession = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Session =>
    context.switchToHttp().getRequest<WithSession>().session!,
);
