import { createHash } from 'node:crypto';

/**
 * Redis keys of sessions and user snapshots, under the service's key prefix. A session is
 * stored under a hash of its id, so a copy of Redis does not hold usable bearer tokens.
 */
export function sessionKey(prefix: string, sessionId: string): string {
  return `${prefix}session:${createHash('sha256').update(sessionId).digest('base64url')}`;
}

export function userSnapshotKey(prefix: string, userUuid: string): string {
  return `${prefix}user:${userUuid}`;
}
