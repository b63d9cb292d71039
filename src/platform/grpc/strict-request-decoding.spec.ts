import type { MethodDefinition, ServiceDefinition } from '@grpc/proto-loader';
import { SeededRandom } from '../../infrastructure/database/seed/seeded-random.js';
import {
  CUSTOMER_CONFIGURATION_PACKAGE,
  CUSTOMER_CONFIGURATION_SERVICE,
  customerConfigurationDefinition,
} from '../../rules/rules.proto.js';
import { type MessageDescriptor, UndecodableRequest, wireProblem } from './strict-request-decoding.js';

const service = () =>
  customerConfigurationDefinition()[
    `${CUSTOMER_CONFIGURATION_PACKAGE}.${CUSTOMER_CONFIGURATION_SERVICE}`
  ] as ServiceDefinition;
const method = () => service().GetCoverageRules as MethodDefinition<object, object>;
const descriptor = () => method().requestType.type as MessageDescriptor;

/** Field 1 as a string: tag 0x0a, length, bytes. */
const idField = (bytes: Buffer) => Buffer.concat([Buffer.from([0x0a, bytes.length]), bytes]);

describe(wireProblem.name, () => {
  it('finds nothing wrong with a valid request, unknown fields included', () => {
    expect(wireProblem(idField(Buffer.from('ec-0001')), descriptor())).toBeUndefined();
    expect(wireProblem(Buffer.alloc(0), descriptor())).toBeUndefined();
    expect(wireProblem(Buffer.from([0x10, 0x96, 0x01]), descriptor())).toBeUndefined();
  });

  it.each([
    [
      'varint',
      [0x08, 0x07, ...Buffer.from('ec-0001')],
      /enrollment_channel_id \(1\) has wire type 0, expected 2/,
    ],
    ['fixed64', [0x09, 1, 2, 3, 4, 5, 6, 7, 8], /enrollment_channel_id \(1\) has wire type 1/],
    ['fixed32', [0x0d, 1, 2, 3, 4], /enrollment_channel_id \(1\) has wire type 5/],
    ['start group', [0x0b], /enrollment_channel_id \(1\) has wire type 3/],
  ])('names field 1 sent with wire type %s', (_label, bytes, problem) => {
    expect(wireProblem(Buffer.from(bytes), descriptor())).toMatch(problem);
  });

  it.each([
    ['a lone 0xff', [0xff]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['a surrogate', [0xed, 0xa0, 0x80]],
  ])('refuses an id with %s as not UTF-8', (_label, bad) => {
    expect(wireProblem(idField(Buffer.from([0x65, ...bad])), descriptor())).toBe(
      'field enrollment_channel_id (1): not valid UTF-8',
    );
  });

  it.each([
    ['a length past the end', [0x0a, 0x10, 0x61], /length 16 runs past the end/],
    ['a truncated tag', [0x80], /truncated field tag/],
    ['field number 0', [0x02, 0x00], /field number 0/],
    ['wire type 7', [0x17], /field 2: invalid wire type 7/],
  ])('refuses %s', (_label, bytes, problem) => {
    expect(wireProblem(Buffer.from(bytes), descriptor())).toMatch(problem);
  });
});

describe('strict request deserializer (rules.proto)', () => {
  it('decodes a valid request as before', () => {
    expect(method().requestDeserialize(idField(Buffer.from('ec-0001')))).toEqual({
      enrollmentChannelId: 'ec-0001',
    });
  });

  it('returns UndecodableRequest naming the message and the field rather than misreading it', () => {
    const decoded = method().requestDeserialize(Buffer.from([0x08, 0x07, ...Buffer.from('ec-0001')]));
    expect(decoded).toBeInstanceOf(UndecodableRequest);
    expect((decoded as unknown as UndecodableRequest).problem).toBe(
      'request: not a valid GetCoverageRulesRequest: field enrollment_channel_id (1) has wire type 0, expected 2',
    );
  });

  it('never throws, whatever the bytes', () => {
    const random = new SeededRandom(7);
    for (let i = 0; i < 2_000; i++) {
      const bytes = Buffer.from(Array.from({ length: random.int(0, 64) }, () => random.int(0, 255)));
      for (const name of ['GetCoverageRules', 'GetPopulationMembershipRules'])
        expect(() =>
          (service()[name] as MethodDefinition<object, object>).requestDeserialize(bytes),
        ).not.toThrow();
    }
  });
});
