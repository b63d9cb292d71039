import type { UhdResource } from '../uhd/uhd-resources.js';
import type { JobOutcome, SkipReason } from './precache-outcomes.js';

export const PRECACHE_QUEUE = 'uhd-precache';
export const PRECACHE_JOB_NAME = 'warm-uhd-cache';

/**
 * A job's data: the user's uuid only (the ICN is read from the user snapshot, so queue
 * contents, dashboards and failed-job retention hold no PII), plus what earlier attempts did.
 */
export interface PrecacheJobData {
  readonly userUuid: string;
  readonly requestedAt: string;
  /** Day the warmed requests covered; a retry on another day starts over. */
  readonly endDate?: string;
  /** Resources an earlier attempt already warmed. */
  readonly warmed?: readonly UhdResource[];
  /** Resources still to fetch; all six when absent (the first attempt). */
  readonly pending?: readonly UhdResource[];
}

export interface PrecacheJobResult {
  readonly outcome: JobOutcome;
  readonly reason?: SkipReason;
  readonly warmed: readonly UhdResource[];
  readonly failed: readonly UhdResource[];
}
