import { randomBytes } from 'node:crypto';
import type { CacheEntry } from '../cache-entry.js';
import { EnvelopeCodec, fencePrefix } from './l2-envelope.js';

const entry = (payload: Buffer, notFound?: string): CacheEntry => ({
  token: 'abcdef0123456789',
  generation: 3,
  freshUntil: 1_000,
  expiresAt: 2_000,
  graceUntil: 3_000,
  loadMs: 42,
  payload,
  ...(notFound ? { notFound } : {}),
});

describe(EnvelopeCodec.name, () => {
  const sut = new EnvelopeCodec(8_192);

  it('round-trips a small entry uncompressed', async () => {
    const original = entry(Buffer.from('small'));
    const encoded = await sut.encode(original);
    expect(encoded.includes(Buffer.from('small'))).toBe(true);
    expect(await sut.decode(encoded)).toEqual({
      kind: 'entry',
      fence: fencePrefix(original.token),
      entry: original,
    });
  });

  it('compresses a payload over the threshold and round-trips it', async () => {
    const payload = Buffer.from('coverage '.repeat(10_000));
    const encoded = await sut.encode(entry(payload));
    expect(encoded.length).toBeLessThan(payload.length / 10);
    const decoded = await sut.decode(encoded);
    expect(decoded?.kind === 'entry' && decoded.entry.payload.equals(payload)).toBe(true);
  });

  it('round-trips a cached NOT_FOUND', async () => {
    const decoded = await sut.decode(
      await sut.encode(entry(Buffer.alloc(0), 'enrollment channel x not found')),
    );
    expect(decoded?.kind === 'entry' && decoded.entry.notFound).toBe('enrollment channel x not found');
  });

  it('reads a tombstone with its fence', async () => {
    expect(await sut.decode(sut.tombstone('0123456789abcdef'))).toEqual({
      kind: 'tombstone',
      fence: fencePrefix('0123456789abcdef'),
    });
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['random bytes', randomBytes(200)],
    ['another writer’s JSON', Buffer.from('{"value":"x"}')],
    ['a truncated entry', Buffer.from('RC1abcdef0123456789E\u0000\u0000\u0001\u0000{"g"')],
  ])('decodes %s as nothing (a miss), never a failure', async (_label, raw) => {
    await expect(sut.decode(raw)).resolves.toBeUndefined();
  });
});
