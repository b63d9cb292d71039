import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants } from 'node:zlib';
import { type CacheEntry, TOKEN_LENGTH } from '../cache-entry.js';

const compress = promisify(brotliCompress);
const decompress = promisify(brotliDecompress);

/**
 * How an entry is stored in Redis: `RC1` + token + `E` + header length (4 bytes) + JSON header
 * + payload, or `RC1` + token + `T` for a tombstone (an invalidated key). The first 19 bytes
 * (magic + token) are what a conditional write compares, with GETRANGE, so the fence never
 * reads the value itself. Payloads over the threshold are brotli-compressed.
 */
const MAGIC = 'RC1';
export const FENCE_PREFIX_LENGTH = MAGIC.length + TOKEN_LENGTH;
const ENTRY = 0x45; // 'E'
/** Where the entry/tombstone marker sits, and the marker of an entry, for Redis-side checks. */
export const ENTRY_MARKER = { offset: FENCE_PREFIX_LENGTH, byte: 'E' } as const;
const TOMBSTONE = 0x54; // 'T'

interface Header {
  g: number;
  f: number;
  e: number;
  x: number;
  d: number;
  n?: string;
  z?: 'br';
}

export type L2Value =
  | { kind: 'entry'; entry: CacheEntry; fence: string }
  | { kind: 'tombstone'; fence: string };

export class EnvelopeCodec {
  constructor(private readonly compressAboveBytes: number) {}

  async encode(entry: CacheEntry): Promise<Buffer> {
    const compressed = entry.payload.length > this.compressAboveBytes;
    const payload = compressed
      ? await compress(entry.payload, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } })
      : entry.payload;
    const header: Header = {
      g: entry.generation,
      f: entry.freshUntil,
      e: entry.expiresAt,
      x: entry.graceUntil,
      d: entry.loadMs,
      ...(entry.notFound !== undefined ? { n: entry.notFound } : {}),
      ...(compressed ? { z: 'br' as const } : {}),
    };
    const headerBytes = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(headerBytes.length);
    return Buffer.concat([
      Buffer.from(fencePrefix(entry.token)),
      Buffer.of(ENTRY),
      length,
      headerBytes,
      payload,
    ]);
  }

  tombstone(token: string): Buffer {
    return Buffer.concat([Buffer.from(fencePrefix(token)), Buffer.of(TOMBSTONE)]);
  }

  /** A value that is not ours or does not parse is a miss (undefined), never a failure. */
  async decode(raw: Buffer): Promise<L2Value | undefined> {
    try {
      if (raw.length < FENCE_PREFIX_LENGTH + 1 || raw.toString('latin1', 0, MAGIC.length) !== MAGIC)
        return undefined;
      const fence = raw.toString('latin1', 0, FENCE_PREFIX_LENGTH);
      const token = fence.slice(MAGIC.length);
      const type = raw[FENCE_PREFIX_LENGTH];
      if (type === TOMBSTONE) return { kind: 'tombstone', fence };
      if (type !== ENTRY) return undefined;
      const headerLength = raw.readUInt32BE(FENCE_PREFIX_LENGTH + 1);
      const headerStart = FENCE_PREFIX_LENGTH + 5;
      const header = JSON.parse(raw.toString('utf8', headerStart, headerStart + headerLength)) as Header;
      const body = raw.subarray(headerStart + headerLength);
      const payload = header.z === 'br' ? await decompress(body) : Buffer.from(body);
      return {
        kind: 'entry',
        fence,
        entry: {
          token,
          generation: header.g,
          freshUntil: header.f,
          expiresAt: header.e,
          graceUntil: header.x,
          loadMs: header.d,
          ...(header.n !== undefined ? { notFound: header.n } : {}),
          payload,
        },
      };
    } catch {
      return undefined;
    }
  }
}

export const fencePrefix = (token: string) => `${MAGIC}${token}`;
