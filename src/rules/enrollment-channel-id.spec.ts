import { InvalidArgument } from '../platform/errors/domain-errors.js';
import { parseEnrollmentChannelId } from './enrollment-channel-id.js';

describe(parseEnrollmentChannelId.name, () => {
  it.each(['a', 'ec-0001', 'A.b:c_d-9', 'x'.repeat(64)])('accepts %s', (id) => {
    expect(parseEnrollmentChannelId(id)).toBe(id);
  });

  it.each([
    ['empty', ''],
    ['too long', 'x'.repeat(65)],
    ['a space', 'ec 1'],
    ['a slash', 'ec/1'],
    ['non-ASCII', 'écran'],
    ['a number', 42],
    ['missing', undefined],
  ])('rejects %s, naming the field', (_label, id) => {
    expect(() => parseEnrollmentChannelId(id)).toThrow(InvalidArgument);
    expect(() => parseEnrollmentChannelId(id)).toThrow(/^enrollment_channel_id: /);
  });
});
