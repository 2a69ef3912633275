// The codec's wire format: little-endian, every value led by a one-byte type tag; lengths and counts are u32.
// Encoders and decoders are compiled once per schema into closures, so a message costs no schema walking.
import { IpcError, XousError } from './errors.ts';
import type { Schema } from './codec.ts';

export enum Tag {
  U8 = 0x01,
  U16 = 0x02,
  U32 = 0x03,
  U64 = 0x04,
  Bool = 0x05,
  Bytes = 0x06,
  String = 0x07,
  None = 0x08,
  Some = 0x09,
  List = 0x0a,
  Record = 0x0b,
}

export type Encoder = (w: Writer, v: unknown, path: string) => void;
export type Decoder = (r: Reader, path: string) => unknown;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function bad(path: string, what: string): IpcError {
  return new IpcError(XousError.SerializationError, `${path || 'value'}: ${what}`);
}

/** A growable scratch buffer, reused across encodes (encoding is synchronous, so one per thread suffices). */
export class Writer {
  private static instance: Writer | undefined;
  buf = new Uint8Array(4096);
  view = new DataView(this.buf.buffer);
  pos = 0;

  static shared(): Writer {
    const w = (Writer.instance ??= new Writer());
    w.pos = 0;
    return w;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf.fill(0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    this.room(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }
  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  u64(v: bigint): void {
    this.room(8);
    this.view.setBigUint64(this.pos, v, true);
    this.pos += 8;
  }
  raw(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  take(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
  copyTo(dst: Uint8Array): void {
    dst.set(this.buf.subarray(0, this.pos));
  }
  /** Zero what was written (the scratch outlives the message and may have held a secret). */
  wipe(): void {
    this.buf.fill(0, 0, this.pos);
    this.pos = 0;
  }
}

/** Bounds-checked reads over the used part of a buffer. Every overrun is SerializationError("truncated"). */
export class Reader {
  pos = 0;
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number, path: string): void {
    if (this.pos + n > this.bytes.length) throw bad(path, `truncated at byte ${this.pos} of ${this.bytes.length}`);
  }
  tag(expected: Tag, path: string): void {
    this.need(1, path);
    const got = this.bytes[this.pos++];
    if (got !== expected) throw bad(path, `type tag 0x${got.toString(16)} where 0x${expected.toString(16)} belongs`);
  }
  u8(path: string): number {
    this.need(1, path);
    return this.bytes[this.pos++];
  }
  u16(path: string): number {
    this.need(2, path);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(path: string): number {
    this.need(4, path);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(path: string): bigint {
    this.need(8, path);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  /** A length-prefixed run, checked against `max` before it is read. */
  run(max: number, path: string): Uint8Array {
    const n = this.u32(path);
    if (n > max) throw bad(path, `length ${n} over the limit of ${max}`);
    this.need(n, path);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

function intEncoder(tag: Tag, bits: 8 | 16 | 32): Encoder {
  const limit = 2 ** bits;
  return (w, v, path) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= limit) throw bad(path, `not a u${bits}`);
    w.u8(tag);
    if (bits === 8) w.u8(v);
    else if (bits === 16) w.u16(v);
    else w.u32(v);
  };
}

export function compileEncoder(s: Schema): Encoder {
  switch (s.type) {
    case 'u8':
      return intEncoder(Tag.U8, 8);
    case 'u16':
      return intEncoder(Tag.U16, 16);
    case 'u32':
      return intEncoder(Tag.U32, 32);
    case 'u64':
      return (w, v, path) => {
        const b = typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v;
        if (typeof b !== 'bigint' || b < 0n || b > 0xffffffffffffffffn) throw bad(path, 'not a u64');
        w.u8(Tag.U64);
        w.u64(b);
      };
    case 'bool':
      return (w, v, path) => {
        if (typeof v !== 'boolean') throw bad(path, 'not a bool');
        w.u8(Tag.Bool);
        w.u8(v ? 1 : 0);
      };
    case 'bytes': {
      const max = s.max;
      return (w, v, path) => {
        if (!(v instanceof Uint8Array)) throw bad(path, 'not a Uint8Array');
        if (v.length > max) throw bad(path, `${v.length} bytes over the limit of ${max}`);
        w.u8(Tag.Bytes);
        w.u32(v.length);
        w.raw(v);
      };
    }
    case 'string': {
      const max = s.max;
      return (w, v, path) => {
        if (typeof v !== 'string') throw bad(path, 'not a string');
        if (LONE_SURROGATE.test(v))
          throw new IpcError(XousError.InvalidString, `${path || 'value'}: not valid Unicode`);
        const b = utf8.encode(v);
        if (b.length > max) throw bad(path, `${b.length} UTF-8 bytes over the limit of ${max}`);
        w.u8(Tag.String);
        w.u32(b.length);
        w.raw(b);
      };
    }
    case 'optional': {
      const of = compileEncoder(s.of);
      return (w, v, path) => {
        if (v === undefined || v === null) return w.u8(Tag.None);
        w.u8(Tag.Some);
        of(w, v, path);
      };
    }
    case 'list': {
      const of = compileEncoder(s.of);
      const max = s.max;
      return (w, v, path) => {
        if (!Array.isArray(v)) throw bad(path, 'not an array');
        if (v.length > max) throw bad(path, `${v.length} items over the limit of ${max}`);
        w.u8(Tag.List);
        w.u32(v.length);
        for (let i = 0; i < v.length; i++) of(w, v[i], `${path}[${i}]`);
      };
    }
    case 'record': {
      const fields = s.fields.map((f) => ({ name: f.name, enc: compileEncoder(f.schema) }));
      return (w, v, path) => {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(path, 'not a record');
        const o = v as Record<string, unknown>;
        w.u8(Tag.Record);
        w.u8(fields.length);
        for (const f of fields) f.enc(w, o[f.name], path ? `${path}.${f.name}` : f.name);
      };
    }
  }
}

export function compileDecoder(s: Schema): Decoder {
  switch (s.type) {
    case 'u8':
      return (r, p) => (r.tag(Tag.U8, p), r.u8(p));
    case 'u16':
      return (r, p) => (r.tag(Tag.U16, p), r.u16(p));
    case 'u32':
      return (r, p) => (r.tag(Tag.U32, p), r.u32(p));
    case 'u64':
      return (r, p) => (r.tag(Tag.U64, p), r.u64(p));
    case 'bool':
      return (r, p) => {
        r.tag(Tag.Bool, p);
        const b = r.u8(p);
        if (b > 1) throw bad(p, `bool byte ${b}`);
        return b === 1;
      };
    case 'bytes': {
      const max = s.max;
      return (r, p) => (r.tag(Tag.Bytes, p), r.run(max, p).slice());
    }
    case 'string': {
      const max = s.max;
      return (r, p) => {
        r.tag(Tag.String, p);
        const b = r.run(max, p);
        try {
          return strictUtf8.decode(b);
        } catch {
          throw new IpcError(XousError.InvalidString, `${p || 'value'}: invalid UTF-8`);
        }
      };
    }
    case 'optional': {
      const of = compileDecoder(s.of);
      return (r, p) => {
        const tag = r.u8(p);
        if (tag === Tag.None) return undefined;
        if (tag !== Tag.Some) throw bad(p, `type tag 0x${tag.toString(16)} where an optional belongs`);
        return of(r, p);
      };
    }
    case 'list': {
      const of = compileDecoder(s.of);
      const max = s.max;
      return (r, p) => {
        r.tag(Tag.List, p);
        const n = r.u32(p);
        if (n > max) throw bad(p, `${n} items over the limit of ${max}`);
        // Each item takes at least 2 bytes: a count the buffer cannot hold is refused before any allocation.
        if (n * 2 > r.bytes.length - r.pos) throw bad(p, `truncated: ${n} items cannot fit`);
        const out = new Array(n);
        for (let i = 0; i < n; i++) out[i] = of(r, `${p}[${i}]`);
        return out;
      };
    }
    case 'record': {
      const fields = s.fields.map((f) => ({ name: f.name, dec: compileDecoder(f.schema) }));
      const count = fields.length;
      return (r, p) => {
        r.tag(Tag.Record, p);
        const n = r.u8(p);
        if (n !== count) throw bad(p, `record of ${n} fields where ${count} belong`);
        const out: Record<string, unknown> = {};
        for (const f of fields) {
          const v = f.dec(r, p ? `${p}.${f.name}` : f.name);
          if (v !== undefined) out[f.name] = v;
        }
        return out;
      };
    }
  }
}
