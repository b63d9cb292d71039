import { InvalidArgument } from '../platform/errors/domain-errors.js';

export const ENROLLMENT_CHANNEL_ID_FIELD = 'enrollment_channel_id';
const CHANNEL_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Ids are 1–64 characters of [A-Za-z0-9_.:-]; anything else is the caller's mistake. */
export function parseEnrollmentChannelId(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidArgument(ENROLLMENT_CHANNEL_ID_FIELD, 'is required');
  }
  if (!CHANNEL_ID.test(value)) {
    throw new InvalidArgument(ENROLLMENT_CHANNEL_ID_FIELD, 'must be 1-64 characters of [A-Za-z0-9_.:-]');
  }
  return value;
}
