// The payload codec on its own: round trips, limits, and validation of every malformed buffer (typed errors only).
import { describe, expect, it } from 'vitest';
import { SeededRandom, randomBelow, randomBytes } from '../../../lib/random.ts';
import {
  codec,
  codecFromSchema,
  IpcError,
  PAGE_SIZE,
  t,
  XousError,
  type Infer,
} from '../../../transports/ipc/index.ts';
import { Tag } from '../../../transports/ipc/codec-wire.ts';

const Entry = t.record({
  name: t.string(63, { public: true }),
  secret: t.bytes(32),
  digits: t.u8({ public: true }),
  port: t.u16(),
  step: t.u32(),
  counter: t.u64(),
  hotp: t.bool(),
  note: t.optional(t.string(100)),
  tags: t.list(t.record({ k: t.string(8, { public: true }), v: t.u32() }), 3),
});
const C = codec(Entry);
type E = Infer<typeof Entry>;

const sample: E = {
  name: 'GitHub',
  secret: new Uint8Array([1, 2, 3, 255]),
  digits: 6,
  port: 65535,
  step: 0xffffffff,
  counter: 0xffffffffffffffffn,
  hotp: false,
  note: 'ünïcödé ✓',
  tags: [
    { k: 'a', v: 1 },
    { k: 'b', v: 2 },
  ],
};

function code(f: () => unknown): XousError | 'ok' | 'other' {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof IpcError ? e.code : 'other';
  }
}

describe('codec', () => {
  it('round-trips every field type; u64 as bigint; offset = bytes used, valid = page length', () => {
    const buf = C.encode(sample);
    expect(buf.bytes.length % PAGE_SIZE).toBe(0);
    expect(buf.offset).toBeGreaterThan(4);
    expect(buf.valid).toBe(buf.bytes.length);
    expect(C.decode(buf)).toEqual(sample);
    const { note: _n, ...noNote } = sample;
    expect(C.decode(C.encode({ ...noNote, tags: [] }))).toEqual({ ...noNote, tags: [] });
  });

  it('decoded bytes are copies, not views into the message', () => {
    const buf = C.encode(sample);
    const v = C.decode(buf);
    buf.bytes.fill(0);
    expect(v.secret).toEqual(new Uint8Array([1, 2, 3, 255]));
  });

  it('encodings larger than a page take more pages; maxSize bounds every encoding', () => {
    const Big = codec(t.record({ blob: t.bytes(10_000) }));
    const b = Big.encode({ blob: new Uint8Array(9000) });
    expect(b.bytes.length).toBe(3 * PAGE_SIZE);
    expect(Big.decode(b).blob.length).toBe(9000);
    expect(C.encode(sample).offset).toBeLessThanOrEqual(C.maxSize);
  });

  it('refuses to encode what does not fit the schema (SerializationError, InvalidString for bad Unicode)', () => {
    const bad: [string, unknown, XousError][] = [
      ['name too long', { ...sample, name: 'x'.repeat(64) }, XousError.SerializationError],
      ['name multibyte too long', { ...sample, name: '€'.repeat(22) }, XousError.SerializationError],
      ['lone surrogate', { ...sample, name: 'a\udc00' }, XousError.InvalidString],
      ['bytes too long', { ...sample, secret: new Uint8Array(33) }, XousError.SerializationError],
      ['u8 out of range', { ...sample, digits: 256 }, XousError.SerializationError],
      ['u16 negative', { ...sample, port: -1 }, XousError.SerializationError],
      ['u32 fraction', { ...sample, step: 1.5 }, XousError.SerializationError],
      ['u64 too big', { ...sample, counter: 2n ** 64n }, XousError.SerializationError],
      ['bool as number', { ...sample, hotp: 1 }, XousError.SerializationError],
      [
        'list too long',
        {
          ...sample,
          tags: [
            { k: 'a', v: 1 },
            { k: 'a', v: 1 },
            { k: 'a', v: 1 },
            { k: 'a', v: 1 },
          ],
        },
        XousError.SerializationError,
      ],
      ['missing field', { ...sample, name: undefined }, XousError.SerializationError],
      ['not a record', 'hello', XousError.SerializationError],
    ];
    for (const [why, v, want] of bad) expect([why, code(() => C.encode(v as E))]).toEqual([why, want]);
  });

  it('an encode error names the field, never its value', () => {
    try {
      C.encode({ ...sample, tags: [{ k: 'secretvalue', v: 1 }] });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toContain('tags[0].k');
      expect((e as Error).message).not.toContain('secretvalue');
    }
  });

  it('every truncation of a valid encoding is refused with SerializationError', () => {
    const buf = C.encode(sample);
    for (let n = 0; n < buf.offset; n++) {
      expect([n, code(() => C.decode({ bytes: buf.bytes, offset: n, valid: buf.valid }))]).toEqual([
        n,
        XousError.SerializationError,
      ]);
    }
  });

  it('trailing junk, a wrong tag, a bad bool byte, a wrong field count, a foreign schema: all refused', () => {
    const buf = C.encode(sample);
    expect(code(() => C.decode({ ...buf, offset: buf.offset + 1 }))).toBe(XousError.SerializationError);
    const tagAt = (b: Uint8Array, tag: Tag) => b.indexOf(tag, 4);
    const wrongTag = C.encode(sample);
    wrongTag.bytes[4] = Tag.List;
    expect(code(() => C.decode(wrongTag))).toBe(XousError.SerializationError);
    const badBool = C.encode(sample);
    badBool.bytes[tagAt(badBool.bytes, Tag.Bool) + 1] = 2;
    expect(code(() => C.decode(badBool))).toBe(XousError.SerializationError);
    const fields = C.encode(sample);
    fields.bytes[5] = 8;
    expect(code(() => C.decode(fields))).toBe(XousError.SerializationError);
    const other = codec(t.record({ name: t.string(63) }));
    expect(code(() => other.decode(buf))).toBe(XousError.SerializationError);
    expect(code(() => C.decode({ ...buf, offset: buf.bytes.length + 1 }))).toBe(XousError.SerializationError);
  });

  it('a huge list count or string length is refused before anything is allocated', () => {
    const L = codec(t.record({ xs: t.list(t.u32(), 0xffffffff) }));
    const b = L.encode({ xs: [1] });
    new DataView(b.bytes.buffer).setUint32(7, 0xfffffff0, true);
    expect(code(() => L.decode(b))).toBe(XousError.SerializationError);
    const S = codec(t.record({ s: t.string(0xffffffff) }));
    const s = S.encode({ s: 'x' });
    new DataView(s.bytes.buffer).setUint32(7, 0xfffffff0, true);
    expect(code(() => S.decode(s))).toBe(XousError.SerializationError);
  });

  it('invalid UTF-8 is InvalidString', () => {
    const buf = C.encode({ ...sample, name: 'abc' });
    buf.bytes[buf.bytes.indexOf(0x61)] = 0xc3; // a lead byte without its continuation
    expect(code(() => C.decode(buf))).toBe(XousError.InvalidString);
  });

  it('fuzz: random bytes and random mutations only ever give IpcError, never a crash', () => {
    const rng = new SeededRandom('codec-fuzz');
    const good = C.encode(sample);
    for (let i = 0; i < 3000; i++) {
      const bytes = new Uint8Array(PAGE_SIZE);
      let used: number;
      if (i % 2 === 0) {
        bytes.set(good.bytes.subarray(0, good.offset));
        for (let m = 0; m < 1 + randomBelow(rng, 4); m++) bytes[randomBelow(rng, good.offset)] = randomBelow(rng, 256);
        used = good.offset - 2 + randomBelow(rng, 5);
      } else {
        bytes.set(randomBytes(rng, 200));
        bytes.set(good.bytes.subarray(0, 4)); // right fingerprint, then noise
        used = 1 + randomBelow(rng, 200);
      }
      const r = code(() => C.decode({ bytes, offset: used, valid: PAGE_SIZE }));
      expect(r).not.toBe('other');
    }
  });

  it('schemas are plain data: a codec rebuilt from a cloned schema reads the same bytes', () => {
    const remote = codecFromSchema(structuredClone(C.schema));
    expect(remote.fingerprint).toBe(C.fingerprint);
    expect(remote.decode(C.encode(sample))).toEqual(sample);
  });

  it('view() shows public fields and sizes for the rest', () => {
    expect(C.view(sample)).toEqual({
      name: 'GitHub',
      secret: '<4 bytes>',
      digits: 6,
      port: '<u16>',
      step: '<u32>',
      counter: '<u64>',
      hotp: '<bool>',
      note: '<15 bytes>',
      tags: [
        { k: 'a', v: '<u32>' },
        { k: 'b', v: '<u32>' },
      ],
    });
  });

  it('rejects schemas it cannot keep in order', () => {
    expect(() => t.record({ 1: t.u8() } as never)).toThrow(RangeError);
    expect(() => t.string(-1)).toThrow(RangeError);
  });
});
