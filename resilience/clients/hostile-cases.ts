import { gzipSync } from 'node:zlib';
import { SeededRandom } from '../../src/infrastructure/database/seed/seeded-random.js';
import type { RulesMethod } from '../../src/rules/rules.proto.js';

/**
 * Hostile-input cases (issue 7), generated from a seed. Case `i` depends only on the seed and
 * `i`, so a failing case can be replayed alone (`hostile-client --seed S --case i`). Each case
 * says what a careful service answers: the statuses or gRPC codes the input calls for, and a
 * pattern its error message must match (the message names the field or the problem).
 */

export type Category =
  | 'grpc-wrong-wire-type'
  | 'grpc-huge-id'
  | 'grpc-invalid-utf8'
  | 'grpc-oversized'
  | 'grpc-missing-field'
  | 'grpc-deadline-1ms'
  | 'grpc-garbage'
  | 'grpc-bad-id'
  | 'http-malformed-json'
  | 'http-deep-nesting'
  | 'http-huge-array'
  | 'http-wrong-content-type'
  | 'http-10mib-body'
  | 'http-wrong-field-types'
  | 'http-hostile-path'
  | 'http-hostile-query'
  | 'auth-missing-token'
  | 'auth-wrong-token'
  | 'auth-wrong-scheme';

export type Audience = 'admin' | 'internal' | 'session';

/** A request body: bytes, or a generated stream of `size` bytes (10 MiB bodies are not kept around). */
export type Body = { bytes: Buffer } | { size: number; chunked: boolean; fill: 'json' | 'zeros' };

export interface HttpCase {
  transport: 'http';
  category: Category;
  description: string;
  method: string;
  path: string;
  /** Whose token the endpoint wants; the sender presents it as `Bearer` unless `authorize` is false. */
  audience: Audience;
  /** False when the case builds the authorization itself (with RIGHT_TOKEN / OTHER_TOKEN placeholders). */
  authorize: boolean;
  headers: Record<string, string>;
  body?: Body;
  statuses: number[];
  /** The error message must match this (4xx answers only). */
  problem?: RegExp;
}

export interface GrpcCase {
  transport: 'grpc';
  category: Category;
  description: string;
  method: RulesMethod;
  /** The request message as raw protobuf bytes, sent as they are. */
  message: Buffer;
  deadlineMs: number;
  codes: string[];
  problem?: RegExp;
}

export type HostileCase = HttpCase | GrpcCase;

/** Channels of the resilience stack's seeded data (ec-0001 has 20 contracts). */
const KNOWN_CHANNELS = ['ec-0001', 'ec-0002', 'ec-0003', 'ec-0005'];
/** A feature of the suite's own: hostile bodies never touch the pre-cache flag. */
export const PROBE_FEATURE = 'hostile_probe';
export const MIB = 1024 * 1024;

// ---------------------------------------------------------------- protobuf bytes by hand

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

const tag = (field: number, wireType: number) => varint(field * 8 + wireType);

/** Field `field` as a length-delimited value (string, bytes, message). */
export const lengthDelimited = (field: number, value: Buffer) =>
  Buffer.concat([tag(field, 2), varint(value.length), value]);

const channelIdMessage = (id: string | Buffer) =>
  lengthDelimited(1, typeof id === 'string' ? Buffer.from(id, 'utf8') : id);

function randomBytes(random: SeededRandom, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = random.int(0, 255);
  return bytes;
}

// ---------------------------------------------------------------- gRPC cases

const GRPC_CATEGORIES: Array<[Category, number]> = [
  ['grpc-wrong-wire-type', 6],
  ['grpc-huge-id', 2],
  ['grpc-invalid-utf8', 4],
  ['grpc-oversized', 2],
  ['grpc-missing-field', 3],
  ['grpc-deadline-1ms', 3],
  ['grpc-garbage', 6],
  ['grpc-bad-id', 4],
];

const INVALID_UTF8 = [
  [0xff],
  [0xc3, 0x28],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0x80],
];

const BAD_IDS = [
  '',
  ' ',
  'ec 0001',
  'ec-0001\u0000',
  "ec-0001' OR '1'='1",
  'ec-0001;DROP TABLE enrollment_channel',
  '../../etc/passwd',
  '%',
  '*',
  'ec-*',
  '$' + '{jndi:ldap://x}',
  '<script>',
  'é',
  '🙂',
  'x'.repeat(65),
  '\n',
  'coverage_rules:*',
];

function grpcCase(random: SeededRandom, category: Category): GrpcCase {
  const method: RulesMethod = random.chance(0.5) ? 'GetCoverageRules' : 'GetPopulationMembershipRules';
  const base = { transport: 'grpc' as const, category, method, deadlineMs: 10_000 };
  const invalid = {
    codes: ['INVALID_ARGUMENT'],
    problem: /enrollment_channel_id|request: not a valid/,
  };
  switch (category) {
    case 'grpc-wrong-wire-type': {
      const wireType = random.pick([0, 1, 3, 4, 5, 6, 7]);
      const payload = randomBytes(random, random.int(0, 12));
      // Often a real id after the wrong tag: a lenient decoder would read it as the field.
      const tail = random.chance(0.5) ? Buffer.concat([Buffer.from([7]), Buffer.from('ec-0001')]) : payload;
      return {
        ...base,
        description: `field 1 with wire type ${wireType} and ${tail.length} bytes`,
        message: Buffer.concat([tag(1, wireType), tail]),
        ...invalid,
      };
    }
    case 'grpc-huge-id': {
      // Beyond the server's 64 KiB receive limit: refused before it is decoded.
      const size = random.pick([MIB, MIB, 2 * MIB]);
      return {
        ...base,
        description: `id of ${size} bytes`,
        message: channelIdMessage('e'.repeat(size)),
        codes: ['RESOURCE_EXHAUSTED'],
        problem: /larger than/i,
      };
    }
    case 'grpc-invalid-utf8': {
      const bad = Buffer.from(random.pick(INVALID_UTF8));
      const id = Buffer.concat([Buffer.from('ec-'), bad, Buffer.from('0001')]);
      return {
        ...base,
        description: `id with invalid UTF-8 ${bad.toString('hex')}`,
        message: channelIdMessage(id),
        ...invalid,
      };
    }
    case 'grpc-oversized': {
      // A valid id followed by a large unknown field: the whole message is over the limit.
      const size = random.pick([65 * 1024, 256 * 1024, 4 * MIB]);
      return {
        ...base,
        description: `message of ${size} bytes (unknown field 2)`,
        message: Buffer.concat([channelIdMessage('ec-0001'), lengthDelimited(2, Buffer.alloc(size, 0x61))]),
        codes: ['RESOURCE_EXHAUSTED'],
        problem: /larger than/i,
      };
    }
    case 'grpc-missing-field': {
      const variant = random.int(0, 2);
      const message =
        variant === 0
          ? Buffer.alloc(0)
          : variant === 1
            ? lengthDelimited(2, Buffer.from('ec-0001'))
            : lengthDelimited(1, Buffer.alloc(0));
      return {
        ...base,
        description: ['empty message', 'only unknown field 2', 'empty field 1'][variant],
        message,
        codes: ['INVALID_ARGUMENT'],
        problem: /enrollment_channel_id/,
      };
    }
    case 'grpc-deadline-1ms': {
      const id = random.chance(0.7) ? random.pick(KNOWN_CHANNELS) : random.pick(BAD_IDS);
      return {
        ...base,
        description: `deadline 1 ms, id ${JSON.stringify(id)}`,
        message: channelIdMessage(id),
        deadlineMs: 1,
        // The deadline may pass before or after the server answers: any honest outcome.
        codes: ['DEADLINE_EXCEEDED', 'OK', 'NOT_FOUND', 'INVALID_ARGUMENT', 'CANCELLED'],
      };
    }
    case 'grpc-garbage': {
      const bytes = randomBytes(random, random.int(1, 256));
      return {
        ...base,
        description: `${bytes.length} random bytes`,
        message: bytes,
        // Random bytes can decode by chance, as unknown fields (id missing) or a short id.
        codes: ['INVALID_ARGUMENT', 'NOT_FOUND'],
        problem: /enrollment_channel_id|request: not a valid|not found/,
      };
    }
    default: {
      const id = random.pick(BAD_IDS);
      return {
        ...base,
        description: `id ${JSON.stringify(id)}`,
        message: channelIdMessage(id),
        ...invalid,
      };
    }
  }
}

// ---------------------------------------------------------------- HTTP: endpoints

interface JsonEndpoint {
  method: string;
  path: string;
  audience: Audience;
  /** A body the endpoint accepts. */
  valid: () => Record<string, unknown>;
  fields: string[];
  /** The status of an accepted body. */
  accepted: number;
}

const syncedAt = '2026-12-02T00:00:00.000Z';

/** Every endpoint that reads a JSON body (README, src/**\/*.controller.ts). */
export const JSON_ENDPOINTS: JsonEndpoint[] = [
  {
    method: 'POST',
    path: '/v0/sign-ins',
    audience: 'internal',
    valid: () => ({
      userUuid: 'hostile-user-1',
      icn: '1000000001V000001',
      clientId: 'vamobile',
      vaTreatmentFacilityIds: ['983'],
    }),
    fields: ['userUuid', 'icn', 'email', 'clientId', 'vaTreatmentFacilityIds', 'signedInAt'],
    accepted: 201,
  },
  {
    method: 'POST',
    path: '/v0/replicator/sync-events',
    audience: 'internal',
    valid: () => ({ table: 'sc_benefit_contract', enrollmentChannelIds: ['ec-0003'], syncedAt }),
    fields: ['table', 'enrollmentChannelIds', 'populationIds', 'syncedAt'],
    accepted: 202,
  },
  {
    method: 'POST',
    path: '/admin/cache/flush',
    audience: 'admin',
    valid: () => ({ kind: 'coverage_rules', enrollmentChannelIds: ['ec-0005'] }),
    fields: ['kind', 'enrollmentChannelIds'],
    accepted: 200,
  },
  {
    method: 'PUT',
    path: `/admin/features/${PROBE_FEATURE}`,
    audience: 'admin',
    valid: () => ({ percentageOfActors: 10 }),
    fields: ['boolean', 'percentageOfActors', 'actors'],
    accepted: 200,
  },
];

/** Endpoints without a body of their own, which still meet whatever body a caller sends. */
const BODYLESS_ENDPOINTS: Array<Pick<JsonEndpoint, 'method' | 'path' | 'audience'>> = [
  { method: 'GET', path: '/v0/health-records/labs', audience: 'session' },
  { method: 'GET', path: '/admin/cache/stats', audience: 'admin' },
  { method: 'GET', path: `/admin/features/${PROBE_FEATURE}`, audience: 'admin' },
];

/**
 * Every admin and internal endpoint, with a body it would accept: the token is the only thing
 * wrong in the auth cases. The queue dashboard's API (bull-board) is included, its
 * state-changing routes too: a wrong token must stop them before they act.
 */
const PROTECTED_ENDPOINTS: Array<{ method: string; path: string; audience: Audience; body?: unknown }> = [
  ...JSON_ENDPOINTS.map((e) => ({ method: e.method, path: e.path, audience: e.audience, body: e.valid() })),
  { method: 'GET', path: '/admin/cache/stats', audience: 'admin' },
  { method: 'GET', path: '/admin/features/mhv_accelerated_delivery_labs', audience: 'admin' },
  { method: 'GET', path: '/admin/queues', audience: 'admin' },
  { method: 'GET', path: '/admin/queues/api/queues', audience: 'admin' },
  { method: 'GET', path: '/admin/queues/api/redis/stats', audience: 'admin' },
  { method: 'PUT', path: '/admin/queues/api/queues/pause', audience: 'admin' },
  { method: 'PUT', path: '/admin/queues/api/queues/uhd-precache/clean/completed', audience: 'admin' },
  {
    method: 'POST',
    path: '/admin/queues/api/queues/uhd-precache/add',
    audience: 'admin',
    body: { name: 'x' },
  },
  { method: 'GET', path: '/v0/health-records/labs', audience: 'session' },
];

const json = (value: unknown) => ({ bytes: Buffer.from(JSON.stringify(value)) });
const JSON_TYPE = { 'content-type': 'application/json' };

// ---------------------------------------------------------------- HTTP: bodies

const MALFORMED = [
  '{',
  '}',
  '[',
  '{"a":',
  '{"a" 1}',
  '{a:1}',
  "{'a':1}",
  '{"a":1,}',
  '[1,]',
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":undefined}',
  '{"a":01}',
  '{"a":"\u0001"}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '"just a string"',
  '42',
  'true',
  'null',
  '{"a":1}{"b":2}',
  '{"a":1} trailing',
  '/* comment */ {}',
  '<xml/>',
  'a=1&b=2',
];

function malformedBody(random: SeededRandom, endpoint: JsonEndpoint): { text: Buffer; description: string } {
  const variant = random.int(0, 2);
  if (variant === 0) {
    const text = random.pick(MALFORMED);
    return { text: Buffer.from(text), description: `malformed ${JSON.stringify(text.slice(0, 24))}` };
  }
  if (variant === 1) {
    const valid = JSON.stringify(endpoint.valid());
    const cut = random.int(1, valid.length - 1);
    return { text: Buffer.from(valid.slice(0, cut)), description: `valid body cut at ${cut}` };
  }
  // Bytes that cannot start a JSON text, then anything.
  const bytes = randomBytes(random, random.int(1, 512));
  bytes[0] = random.pick([0x00, 0x01, 0x3c, 0x41, 0x7e, 0xff, 0xfe, 0x80]);
  return { text: bytes, description: `${bytes.length} random bytes` };
}

function nested(depth: number, shape: 'array' | 'object' | 'mixed'): string {
  const open = shape === 'array' ? '[' : shape === 'object' ? '{"a":' : '[{"a":';
  const close = shape === 'array' ? ']' : shape === 'object' ? '}' : '}]';
  const levels = shape === 'mixed' ? Math.ceil(depth / 2) : depth;
  return `${open.repeat(levels)}1${close.repeat(levels)}`;
}

/** Values no field of any endpoint accepts (so a body holding one is surely invalid). */
function invalidValue(random: SeededRandom): { value: unknown; label: string } {
  const variant = random.int(0, 11);
  switch (variant) {
    case 0:
      return { value: {}, label: '{}' };
    case 1:
      return { value: { $gt: '' }, label: '{$gt}' };
    case 2:
      return { value: [[1]], label: '[[1]]' };
    case 3:
      return { value: -1, label: '-1' };
    case 4:
      return { value: 1e308, label: '1e308' };
    case 5:
      return { value: 12.34567, label: '12.34567 (5 decimals)' };
    case 6:
      return { value: 'yes please', label: '"yes please"' };
    case 7:
      return { value: '\u0000', label: '"\\u0000"' };
    case 8:
      return { value: 'x'.repeat(random.int(300, 100_000)), label: 'long string' };
    case 9:
      return { value: '🙂'.repeat(100), label: 'emoji string' };
    case 10:
      return { value: [{ a: 1 }, null], label: '[{a},null]' };
    default:
      return { value: ' ', label: '" "' };
  }
}

/** Field names that are not a field of any endpoint, several of them regex or prototype tricks. */
const UNKNOWN_KEYS = [
  'admin',
  '(',
  '[a-',
  '\\',
  '.*+?',
  '(a+)+$',
  '$where',
  'a.b',
  '0',
  '',
  ' ',
  'k'.repeat(5_000),
];

function bodyCase(random: SeededRandom, category: Category): HttpCase {
  // Bodies of the wrong kind also go to endpoints that take none: they are parsed all the same.
  const endpoint =
    category !== 'http-wrong-field-types' && category !== 'http-huge-array' && random.chance(0.15)
      ? { ...random.pick(BODYLESS_ENDPOINTS), valid: () => ({}), fields: ['a'], accepted: 200 }
      : random.pick(JSON_ENDPOINTS);
  const base = {
    transport: 'http' as const,
    category,
    method: endpoint.method,
    path: endpoint.path,
    audience: endpoint.audience,
    authorize: true,
  };
  switch (category) {
    case 'http-malformed-json': {
      const { text, description } = malformedBody(random, endpoint);
      return {
        ...base,
        description: `${endpoint.method} ${endpoint.path}: ${description}`,
        headers: JSON_TYPE,
        body: { bytes: text },
        statuses: [400],
        problem: /body: malformed JSON/,
      };
    }
    case 'http-deep-nesting': {
      const depth = random.pick([1_000, 10_000, 10_000, 50_000, 100_000]);
      const shape = random.pick(['array', 'object', 'mixed'] as const);
      const inner = nested(depth, shape);
      const placement = random.int(0, 1);
      const text = placement === 0 ? inner : `{"${random.pick(endpoint.fields)}":${inner}}`;
      const bytes = Buffer.from(text);
      return {
        ...base,
        description: `${endpoint.method} ${endpoint.path}: ${depth} levels of ${shape} ${placement === 0 ? 'as the body' : 'in a field'} (${bytes.length} bytes)`,
        headers: JSON_TYPE,
        body: { bytes },
        // Over the 256 KiB body limit it is 413 before it is parsed.
        statuses: bytes.length > 256 * 1024 ? [413] : [400],
        problem: /body|nest|must|should|event|\w+: /,
      };
    }
    case 'http-huge-array': {
      const length = random.pick([10_001, 10_001, 30_000, 200_000]);
      const element = random.pick(['0', '"ec-0001"', 'null', '[]', '{}', '"x"']);
      const array = `[${Array.from({ length }, () => element).join(',')}]`;
      const placement = random.int(0, 1);
      const field = random.pick(endpoint.fields);
      const text = placement === 0 ? array : `{"${field}":${array}}`;
      const bytes = Buffer.from(text);
      // Bound by the body limit, or else refused by the field's bounds and types: never applied
      // (10,001 elements is one over the largest list any endpoint takes).
      return {
        ...base,
        description: `${endpoint.method} ${endpoint.path}: array of ${length} × ${element} ${placement === 0 ? 'as the body' : `in ${field}`} (${bytes.length} bytes)`,
        headers: JSON_TYPE,
        body: { bytes },
        statuses: bytes.length > 256 * 1024 ? [413] : [400],
        problem: /body|must|should|event|\w+: /,
      };
    }
    case 'http-wrong-content-type': {
      const variants: Array<[string | undefined, Buffer, number[], string]> = [
        ['text/plain', Buffer.from(JSON.stringify(endpoint.valid())), [415], 'text/plain'],
        ['application/xml', Buffer.from('<a>1</a>'), [415], 'xml'],
        ['application/x-www-form-urlencoded', Buffer.from('a=1&b=2'), [415], 'form'],
        ['multipart/form-data; boundary=x', Buffer.from('--x\r\n\r\n1\r\n--x--'), [415], 'multipart'],
        ['application/octet-stream', randomBytes(random, 64), [415], 'octet-stream'],
        [undefined, Buffer.from(JSON.stringify(endpoint.valid())), [415], 'no content-type'],
        ['application/json; charset=latin1', Buffer.from('{}'), [415], 'charset latin1'],
        // A UTF-16 body is read as UTF-16 (415 if unsupported); these UTF-8 bytes then are no JSON.
        ['application/json; charset=utf-16', Buffer.from('{}'), [400, 415], 'charset utf-16'],
        ['application/json-patch+json', Buffer.from('[]'), [415], 'json-patch'],
        ['image/png', randomBytes(random, 64), [415], 'image/png'],
        [';;;', Buffer.from('{}'), [415], 'garbage type'],
        ['*/*', Buffer.from('{}'), [415], '*/*'],
      ];
      const [type, bytes, statuses, label] = random.pick(variants);
      return {
        ...base,
        description: `${endpoint.method} ${endpoint.path}: ${label}`,
        headers: type === undefined ? {} : { 'content-type': type },
        body: { bytes },
        statuses,
        problem: /content-type|body|charset|encoding/,
      };
    }
    case 'http-10mib-body': {
      const variant = random.int(0, 4);
      if (variant === 4) {
        // A gzip bomb: 10 MiB of zeros in about 10 KiB; the limit applies to the inflated body.
        return {
          ...base,
          description: `${endpoint.method} ${endpoint.path}: gzip of 10 MiB`,
          headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
          body: { bytes: gzipBomb() },
          statuses: [413],
          problem: /body: larger than/,
        };
      }
      const chunked = variant >= 2;
      const fill = variant % 2 === 0 ? 'json' : 'zeros';
      return {
        ...base,
        description: `${endpoint.method} ${endpoint.path}: 10 MiB of ${fill}${chunked ? ', chunked' : ''}`,
        headers: JSON_TYPE,
        body: { size: 10 * MIB, chunked, fill },
        statuses: [413],
        problem: /body: larger than/,
      };
    }
    case 'http-wrong-field-types': {
      const body: Record<string, unknown> = endpoint.valid();
      const labels: string[] = [];
      let statuses = [400];
      if (random.chance(0.05)) {
        // Prototype keys: the validation pipe strips them (then the rest may be accepted), the
        // sync-event parser refuses them; either way nothing reaches a prototype.
        const key = random.pick(['constructor', 'prototype', '__proto__']);
        // An own property even for __proto__ (plain assignment would set the prototype instead).
        Object.defineProperty(body, key, { value: { polluted: true }, enumerable: true, writable: true });
        labels.push(`key ${key}`);
        statuses = [400, endpoint.accepted];
      } else if (random.chance(0.3)) {
        const key = random.pick(UNKNOWN_KEYS);
        body[key] = random.pick([1, 'x', null, {}]);
        labels.push(`unknown key ${JSON.stringify(key.slice(0, 12))}`);
      } else {
        for (let n = random.int(1, 3); n > 0; n--) {
          const field = random.pick(endpoint.fields);
          const { value, label } = invalidValue(random);
          body[field] = value;
          labels.push(`${field}=${label}`);
        }
      }
      const bytes = Buffer.from(JSON.stringify(body));
      return {
        ...base,
        description: `${endpoint.method} ${endpoint.path}: ${labels.join(', ')} (${bytes.length} bytes)`,
        headers: JSON_TYPE,
        body: { bytes },
        statuses: bytes.length > 256 * 1024 ? [413] : statuses,
        // The message names a field: `field: reason`.
        problem: /^[^:]{0,80}: \S/,
      };
    }
    default:
      throw new Error(`not a body category: ${category}`);
  }
}

let bomb: Buffer | undefined;
function gzipBomb(): Buffer {
  bomb ??= gzipSync(Buffer.alloc(10 * MIB, 0x20));
  return bomb;
}

// ---------------------------------------------------------------- HTTP: paths and queries

const HOSTILE_SEGMENTS = [
  'x'.repeat(10_000),
  '%00',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%2F..%2F',
  '%E0%A4%A',
  '%',
  '%ZZ',
  '%F0%9F%99%82',
  'a%20b',
  'name%0d%0aX-Injected:%201',
  '%C0%AF',
  '*',
  "'",
  '%7B%7D',
];

function pathCase(random: SeededRandom): HttpCase {
  const segment = random.pick(HOSTILE_SEGMENTS);
  const variant = random.int(0, 3);
  const base = {
    transport: 'http' as const,
    category: 'http-hostile-path' as const,
    headers: {},
    authorize: true,
  };
  if (variant === 0)
    return {
      ...base,
      description: `GET /v0/health-records/${segment.slice(0, 24)}`,
      method: 'GET',
      path: `/v0/health-records/${segment}`,
      audience: 'session',
      statuses: [400, 404],
      problem: /resource|not found|Cannot|param/i,
    };
  if (variant === 3)
    return {
      ...base,
      description: `GET /admin/queues/api/queues/uhd-precache/${segment.slice(0, 24)}`,
      method: 'GET',
      path: `/admin/queues/api/queues/uhd-precache/${segment}`,
      audience: 'admin',
      // The queue dashboard's job route: no such job (404) or a refused id (400).
      statuses: [400, 404],
      problem: /ERRORS\.|param|url|not found/i,
    };
  const put = variant === 2;
  return {
    ...base,
    description: `${put ? 'PUT' : 'GET'} /admin/features/${segment.slice(0, 24)}`,
    method: put ? 'PUT' : 'GET',
    path: `/admin/features/${segment}`,
    audience: 'admin',
    headers: put ? JSON_TYPE : {},
    body: put ? json({ boolean: false }) : undefined,
    statuses: [400, 404],
    problem: /name|not found|Cannot|param/i,
  };
}

/** The queue dashboard's read API with garbage query strings (its own code parses them). */
function queryCase(random: SeededRandom): HttpCase {
  const value = encodeURIComponent(
    random.pick(['-1', '1e309', 'NaN', '[]', '{}', 'x'.repeat(2_000), '\u0000', '../']),
  );
  const query = random.pick([
    `activeQueue=${value}`,
    `activeQueue=uhd-precache&status=${value}`,
    `activeQueue=uhd-precache&page=${value}`,
    `activeQueue=uhd-precache&jobsPerPage=${value}`,
    `status=${value}&page=${value}&jobsPerPage=${value}&activeQueue=${value}`,
  ]);
  return {
    transport: 'http',
    category: 'http-hostile-query',
    description: `GET /admin/queues/api/queues?${query.slice(0, 60)}`,
    method: 'GET',
    path: `/admin/queues/api/queues?${query}`,
    audience: 'admin',
    authorize: true,
    headers: {},
    // A tolerant reader answers 200 (ignoring what it cannot use); a strict one 400/404.
    statuses: [200, 400, 404],
    problem: /field|message|\w+: /,
  };
}

// ---------------------------------------------------------------- auth

const WRONG_TOKENS = [
  'wrong',
  'resilience-admin-token-0123456789abcdeX',
  'x'.repeat(16),
  'x'.repeat(8_000),
  'null',
  'undefined',
  '%00',
  'Bearer',
];

/** Placeholders the sender replaces with the real tokens: the generator never holds them. */
export const RIGHT_TOKEN = '{{right}}';
export const OTHER_TOKEN = '{{other}}';

function authCase(random: SeededRandom, category: Category): HttpCase {
  const endpoint = random.pick(PROTECTED_ENDPOINTS);
  const headers: Record<string, string> = endpoint.body ? { ...JSON_TYPE } : {};
  let path = endpoint.path;
  let label: string;
  if (category === 'auth-missing-token') {
    const variant = random.int(0, 2);
    if (variant === 1) headers.authorization = '';
    if (variant === 2) headers.authorization = 'Bearer ';
    label = ['no authorization header', 'empty header', '"Bearer " alone'][variant];
  } else if (category === 'auth-wrong-token') {
    const variant = random.int(0, 2);
    if (variant === 0) {
      const token = random.pick(WRONG_TOKENS);
      headers.authorization = `Bearer ${token}`;
      label = `wrong token ${JSON.stringify(token.slice(0, 16))}`;
    } else if (variant === 1) {
      headers.authorization = `Bearer ${OTHER_TOKEN}`;
      label = "the other audience's token";
    } else {
      headers.authorization = `Bearer ${RIGHT_TOKEN}x`;
      label = 'the right token with a character more';
    }
  } else {
    const forms: Array<[string, (t: string) => string]> = [
      ['Basic', (t) => `Basic ${Buffer.from(`admin:${t}`).toString('base64')}`],
      ['Basic raw', (t) => `Basic ${t}`],
      ['two spaces', (t) => `Bearer  ${t}`],
      ['tab', (t) => `Bearer\t${t}`],
      ['no scheme', (t) => t],
      ['Bearer:', (t) => `Bearer:${t}`],
      ['Token scheme', (t) => `Token ${t}`],
      ['two tokens', (t) => `Bearer ${t}, Bearer ${t}`],
      ['quoted', (t) => `Bearer "${t}"`],
    ];
    const variant = random.int(0, forms.length + 1);
    if (variant < forms.length) {
      const [name, form] = forms[variant];
      headers.authorization = form(RIGHT_TOKEN);
      label = `right token, ${name}`;
    } else if (variant === forms.length) {
      path += `${path.includes('?') ? '&' : '?'}access_token=${RIGHT_TOKEN}&token=${RIGHT_TOKEN}`;
      label = 'right token in the query string';
    } else {
      headers['x-api-key'] = RIGHT_TOKEN;
      label = 'right token in x-api-key';
    }
  }
  return {
    transport: 'http',
    category,
    description: `${endpoint.method} ${endpoint.path}: ${label}`,
    method: endpoint.method,
    path,
    audience: endpoint.audience,
    authorize: false,
    headers,
    body: endpoint.body === undefined ? undefined : json(endpoint.body),
    statuses: [401],
    problem: /authorization/,
  };
}

// ---------------------------------------------------------------- the mix

/** Weights of a case's kind, out of 100: gRPC 30, HTTP bodies 45, auth 20, paths and queries 5. */
const MIX: Array<[Category, number]> = [
  ...GRPC_CATEGORIES,
  ['http-malformed-json', 10],
  ['http-deep-nesting', 8],
  ['http-huge-array', 6],
  ['http-wrong-content-type', 8],
  ['http-10mib-body', 0.3],
  ['http-wrong-field-types', 12.7],
  ['auth-missing-token', 5],
  ['auth-wrong-token', 7],
  ['auth-wrong-scheme', 8],
  ['http-hostile-path', 3],
  ['http-hostile-query', 2],
];
const TOTAL_WEIGHT = MIX.reduce((sum, [, w]) => sum + w, 0);

/** A PRNG for case `index` of a run seeded with `seed`, independent of every other case. */
export function caseRandom(seed: number, index: number): SeededRandom {
  const random = new SeededRandom((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  random.next();
  return random;
}

export function hostileCase(seed: number, index: number): HostileCase {
  const random = caseRandom(seed, index);
  let roll = random.next() * TOTAL_WEIGHT;
  let category = MIX[MIX.length - 1][0];
  for (const [name, weight] of MIX) {
    roll -= weight;
    if (roll < 0) {
      category = name;
      break;
    }
  }
  if (category.startsWith('grpc-')) return grpcCase(random, category);
  if (category.startsWith('auth-')) return authCase(random, category);
  if (category === 'http-hostile-path') return pathCase(random);
  if (category === 'http-hostile-query') return queryCase(random);
  return bodyCase(random, category);
}
