/** Which resources a precache job warmed for a user, and for which day; expires with the upstream's cache. */
export function warmedResourcesKey(prefix: string, userUuid: string): string {
  return `${prefix}precache:warmed:${userUuid}`;
}
