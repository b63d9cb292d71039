import type { PoolOptions } from 'mysql2';

/** `sqlite:./data/rules.sqlite` → `./data/rules.sqlite`; `sqlite::memory:` → `:memory:`. */
export function sqliteFileFrom(url: string): string {
  return url.slice('sqlite:'.length);
}

/** `mysql://user:pass@host:port/db?ssl=...` → mysql2 pool options. */
export function mysqlOptionsFrom(url: string): PoolOptions {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: database || undefined,
  };
}

/** The URL with any password masked, for logs. */
export function redactedUrl(url: string): string {
  if (!url.startsWith('mysql://')) return url;
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
