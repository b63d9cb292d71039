/**
 * When a UHD token stops being good, in epoch ms: the `exp` claim when the token is a JWT
 * (with or without a `Bearer ` scheme), else undefined and the configured lifetime applies.
 */
export function tokenExpiry(token: string): number | undefined {
  const parts = token.replace(/^Bearer\s+/i, '').split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When to fetch the next token: a little before the current one expires (10% of its lifetime,
 * at most a minute), so a request in flight never carries a token that lapses on the way.
 */
export function refreshAt(issuedAt: number, expiresAt: number): number {
  const lifetime = Math.max(0, expiresAt - issuedAt);
  return issuedAt + lifetime - Math.min(60_000, lifetime * 0.1);
}
