import { randomBytes } from 'node:crypto';

/**
 * One cached answer. Times are epoch milliseconds:
 *   fresh   until `freshUntil`  – served as is (XFetch may refresh it early, in the background)
 *   stale   until `expiresAt`   – served at once while one background load refreshes it
 *   grace   until `graceUntil`  – served only when the loader's source cannot answer
 * `expiresAt` is also the L2 TTL, so an L1 copy never serves past its L2 original.
 */
export interface CacheEntry {
  /** Identifies this write; a conditional write compares it (the invalidation fence). */
  token: string;
  /** The namespace's generation when the load that produced this entry started. */
  generation: number;
  freshUntil: number;
  expiresAt: number;
  graceUntil: number;
  /** How long the load took (δ in XFetch). */
  loadMs: number;
  /** Set for a cached "not found": the message to answer with. */
  notFound?: string;
  /** The value as the adapter encoded it, uncompressed. Empty for a cached "not found". */
  payload: Buffer;
}

export type EntryState = 'fresh' | 'stale' | 'grace' | 'expired';

export function entryState(entry: CacheEntry, now: number): EntryState {
  if (now < entry.freshUntil) return 'fresh';
  if (now < entry.expiresAt) return 'stale';
  if (now < entry.graceUntil) return 'grace';
  return 'expired';
}

export const TOKEN_LENGTH = 16;
export const newToken = () => randomBytes(TOKEN_LENGTH / 2).toString('hex');
