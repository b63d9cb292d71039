import { isUtf8 } from 'node:buffer';

/**
 * What a request deserializer returns instead of throwing. grpc-js answers a deserializer's
 * exception with INTERNAL ("Error deserializing request"), which blames the server for the
 * caller's bytes; the call interceptor answers this value with INVALID_ARGUMENT and its problem.
 */
export class UndecodableRequest {
  constructor(readonly problem: string) {}
}

/** The parts of a proto-loader DescriptorProto (`MethodDefinition.requestType.type`) used here. */
export interface MessageDescriptor {
  name?: string;
  field?: Array<{ name?: string; number?: number; type?: string; label?: string }>;
}

interface ExpectedField {
  name: string;
  wireTypes: readonly number[];
  utf8: boolean;
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const FIXED32 = 5;

function wireTypeOf(type: string | undefined): number {
  switch (type) {
    case 'TYPE_STRING':
    case 'TYPE_BYTES':
    case 'TYPE_MESSAGE':
      return LENGTH_DELIMITED;
    case 'TYPE_DOUBLE':
    case 'TYPE_FIXED64':
    case 'TYPE_SFIXED64':
      return FIXED64;
    case 'TYPE_FLOAT':
    case 'TYPE_FIXED32':
    case 'TYPE_SFIXED32':
      return FIXED32;
    case 'TYPE_GROUP':
      return START_GROUP;
    default:
      return VARINT;
  }
}

/**
 * The field's name as the .proto spells it (snake_case): proto-loader, without `keepCase`,
 * hands out camelCase names, but callers know the field by its contract name.
 */
const protoName = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function expectedFields(descriptor: MessageDescriptor): Map<number, ExpectedField> {
  const fields = new Map<number, ExpectedField>();
  for (const field of descriptor.field ?? []) {
    if (field.number === undefined) continue;
    const wireType = wireTypeOf(field.type);
    // Repeated scalars may arrive packed (one length-delimited run) or one by one.
    const packable = field.label === 'LABEL_REPEATED' && wireType !== LENGTH_DELIMITED;
    fields.set(field.number, {
      name: protoName(field.name ?? String(field.number)),
      wireTypes: packable ? [wireType, LENGTH_DELIMITED] : [wireType],
      utf8: field.type === 'TYPE_STRING',
    });
  }
  return fields;
}

/** Reads a base-128 varint at `offset`; undefined when the bytes end first or it runs past 10 bytes. */
function readVarint(bytes: Uint8Array, offset: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (offset + i >= bytes.length) return undefined;
    const byte = bytes[offset + i];
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return { value, next: offset + i + 1 };
    scale *= 128;
  }
  return undefined;
}

/**
 * Walks a message's top-level fields and returns what is wrong with it, if anything: a field of
 * the message sent with another wire type, a string field that is not UTF-8, a truncated or
 * invalid encoding. protobufjs would read a varint field 1 as a string length, or throw.
 */
export function wireProblem(bytes: Uint8Array, descriptor: MessageDescriptor): string | undefined {
  return problemIn(bytes, expectedFields(descriptor));
}

function problemIn(bytes: Uint8Array, fields: Map<number, ExpectedField>): string | undefined {
  let offset = 0;
  while (offset < bytes.length) {
    const start = offset;
    const tag = readVarint(bytes, offset);
    if (!tag) return `truncated field tag at byte ${start}`;
    const number = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    if (number === 0) return `field number 0 at byte ${start}`;
    const field = fields.get(number);
    const label = field ? `field ${field.name} (${number})` : `field ${number}`;
    if (field && !field.wireTypes.includes(wireType))
      return `${label} has wire type ${wireType}, expected ${field.wireTypes[0]}`;
    offset = tag.next;
    switch (wireType) {
      case VARINT: {
        const value = readVarint(bytes, offset);
        if (!value) return `${label}: truncated varint`;
        offset = value.next;
        break;
      }
      case FIXED64:
        offset += 8;
        break;
      case FIXED32:
        offset += 4;
        break;
      case LENGTH_DELIMITED: {
        const length = readVarint(bytes, offset);
        if (!length) return `${label}: truncated length`;
        offset = length.next + length.value;
        if (offset > bytes.length) return `${label}: length ${length.value} runs past the end of the message`;
        if (field?.utf8 && !isUtf8(bytes.subarray(length.next, offset))) return `${label}: not valid UTF-8`;
        break;
      }
      case START_GROUP:
      case END_GROUP:
        return `${label}: groups (wire type ${wireType}) are not accepted`;
      default:
        return `${label}: invalid wire type ${wireType}`;
    }
    if (offset > bytes.length) return `${label}: truncated value`;
  }
  return undefined;
}

/**
 * Wraps a request deserializer so that bytes which are not a valid `descriptor` message become
 * an UndecodableRequest naming the problem, rather than an exception (INTERNAL) or a silently
 * misread field.
 */
export function strictRequestDeserializer<T>(
  descriptor: MessageDescriptor,
  deserialize: (bytes: Buffer) => T,
): (bytes: Buffer) => T | UndecodableRequest {
  const type = descriptor.name ?? 'request';
  const fields = expectedFields(descriptor);
  return (bytes: Buffer) => {
    const problem = problemIn(bytes, fields);
    if (problem) return new UndecodableRequest(`request: not a valid ${type}: ${problem}`);
    try {
      return deserialize(bytes);
    } catch {
      return new UndecodableRequest(`request: not a valid ${type}`);
    }
  };
}
