/** Which resources a precache job warmed for a user, and for which day; expires with the upstream's cache. */
export function warmedResourcesKey(prefix: string, userUuid: string): string {
  return `${prefix}precache:warmed:${userUuid}`;
}

/** When the next pre-cache upstream request may leave, shared by every worker (see UpstreamPacer). */
export function upstreamPaceKey(prefix: string): string {
  return `${prefix}precache:upstream-pace`;
}
