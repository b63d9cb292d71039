/**
 * Turns replica column values into the contract's formats. Both dialects hand back strings for
 * dates (mysql2 `dateStrings`), but the replicator may write SQLite timestamps with a `T` or a
 * zone, so timestamps are normalised rather than passed through.
 */
export function toDate(value: string): string {
  return value.slice(0, 10);
}

export function toTimestamp(value: string): string {
  const plain = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?$/.exec(value);
  if (plain) return `${plain[1]}T${plain[2]}.${(plain[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? value : parsed.toISOString();
}

export function toBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === '1';
}

/** Sets `key` only when the column is not null, so absent and null serialize the same way. */
export function optional<K extends string>(key: K, value: string | null): { [P in K]?: string } {
  return value === null ? {} : ({ [key]: value } as { [P in K]?: string });
}
