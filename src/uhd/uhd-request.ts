import type { UhdResource } from './uhd-resources.js';

/** The first day of the window: the upstream's default, so every read covers the whole record. */
export const UHD_START_DATE = '1900-01-01';

/** Today in UTC as YYYY-MM-DD: the `endDate` both the precache job and the page read send. */
export function uhdEndDate(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/**
 * Path and query of one resource read, exactly as DESIGN.md gives them. The upstream caches by
 * path and query, so the precache job and the health-record read both build their request here:
 * the same user on the same day gives byte-identical requests, which is what makes the warm-up hit.
 */
export function uhdResourcePath(resource: UhdResource, icn: string, endDate: string): string {
  const query = `patientId=${encodeURIComponent(icn)}&startDate=${UHD_START_DATE}&endDate=${endDate}`;
  return `/v1/medicalrecords/${resource}?${query}${resource === 'notes' ? '&includeBinary=false' : ''}`;
}

export const UHD_TOKEN_PATH = '/mhvapi/security/v1/login';
export const UHD_CLIENT_APPLICATION = 'VAGOV';
