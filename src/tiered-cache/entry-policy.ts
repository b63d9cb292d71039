import { type CacheEntry, entryState, newToken } from './cache-entry.js';

/** The settings an entry's life depends on (a subset of the cache's settings). */
export interface EntryPolicySettings {
  readonly ttlMs: number;
  /** ± this fraction of the TTL, drawn per entry, so entries written together expire apart. */
  readonly ttlJitter: number;
  /** Fraction of the TTL an entry is fresh; stale-while-revalidate for the rest. */
  readonly freshFraction: number;
  /** After expiry, how long an entry may still answer while its source is down. */
  readonly graceMs: number;
  readonly negativeTtlMs: number;
  /** XFetch β: above 1 refreshes earlier, 0 turns early refresh off. */
  readonly xfetchBeta: number;
  /** After a whole-namespace invalidation, how long older entries may bridge the refresh. */
  readonly invalidationStaleMs: number;
}

/**
 * A new entry for a load that finished at `now`. `draw` gives a uniform number in [0, 1) that
 * picks the jitter: `ttl × (1 ± jitter)`. A "not found" lives `negativeTtlMs`, with no grace.
 */
export function newEntry(
  settings: EntryPolicySettings,
  draw: () => number,
  load: { generation: number; now: number; loadMs: number; payload: Buffer; notFound?: string },
): CacheEntry {
  const { generation, now, loadMs, payload, notFound } = load;
  const token = newToken();
  if (notFound !== undefined) {
    const until = now + settings.negativeTtlMs;
    return {
      token,
      generation,
      freshUntil: until,
      expiresAt: until,
      graceUntil: until,
      loadMs,
      notFound,
      payload,
    };
  }
  const ttlMs = Math.round(settings.ttlMs * (1 + (draw() * 2 - 1) * settings.ttlJitter));
  const expiresAt = now + ttlMs;
  return {
    token,
    generation,
    freshUntil: now + Math.round(ttlMs * settings.freshFraction),
    expiresAt,
    graceUntil: expiresAt + settings.graceMs,
    loadMs,
    payload,
  };
}

/**
 * XFetch (Vattani et al., VLDB 2015): a fresh entry is refreshed early with a probability that
 * grows as it nears the end of its fresh time and with how long it took to load (δ).
 * `draw` gives a uniform number in (0, 1); it is only called when early refresh is possible.
 */
export function refreshesEarly(
  settings: EntryPolicySettings,
  draw: () => number,
  entry: CacheEntry,
  now: number,
): boolean {
  if (settings.xfetchBeta <= 0 || entry.notFound !== undefined) return false;
  const delta = Math.max(entry.loadMs, 1);
  return now - delta * settings.xfetchBeta * Math.log(draw()) >= entry.freshUntil;
}

/** Whether an entry may answer because its source failed: a real answer, not past its grace. */
export function servableInGrace(entry: CacheEntry, now: number): boolean {
  return entry.notFound === undefined && entryState(entry, now) !== 'expired';
}

/**
 * Whether an entry a whole-namespace invalidation made out of date may still answer for a
 * moment (`invalidationStaleMs`, well under the freshness promise) while its key is refreshed
 * once, so a flush under load is not a herd. It must be of the generation just before, and not
 * itself stale.
 */
export function bridgesInvalidation(
  settings: EntryPolicySettings,
  entry: CacheEntry,
  now: number,
  change: { generation: number; changedAt: number } | undefined,
): boolean {
  if (!change || now - change.changedAt >= settings.invalidationStaleMs) return false;
  const state = entryState(entry, now);
  return (
    entry.generation === change.generation - 1 &&
    (state === 'fresh' || state === 'stale') &&
    entry.notFound === undefined
  );
}
