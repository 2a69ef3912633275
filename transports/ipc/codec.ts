// Schema-based codec for structured payloads in page buffers. The original trusts rkyv buffers blindly; this one
// validates every byte it reads and fails with a typed IpcError (never a crash, never a partial value).
//
//   const Entry = t.record({ name: t.string(63, { public: true }), secret: t.bytes(64), n: t.u32() });
//   const EntryCodec = codec(Entry);            // Codec<{ name: string; secret: Uint8Array; n: number }>
//   const buf = EntryCodec.encode(value);      // PageBuffer, offset = bytes used (as xous-ipc Buffer)
//   EntryCodec.decode(buf);                     // validated value, or IpcError
//
// Schemas are plain data (structured-cloneable), so a server's opcode table can travel to a client in another
// worker and be compiled there. Wire format: docs/ipc.md.
import { allocPages, pagesFor, type PageBuffer } from './buffer.ts';
import { IpcError, XousError } from './errors.ts';
import { compileDecoder, compileEncoder, Reader, Writer, type Decoder, type Encoder } from './codec-wire.ts';

export type Schema = (
  | { readonly type: 'u8' | 'u16' | 'u32' | 'u64' | 'bool' }
  | { readonly type: 'bytes' | 'string'; readonly max: number }
  | { readonly type: 'optional'; readonly of: Schema }
  | { readonly type: 'list'; readonly of: Schema; readonly max: number }
  | { readonly type: 'record'; readonly fields: readonly FieldSchema[] }
) & {
  /** A secret value: traces show `<secret>` in its place, not even its size or presence. */
  readonly secret?: true;
};

export interface FieldSchema {
  readonly name: string;
  readonly schema: Schema;
  /** Shown in traces. Everything else is shown by size only. */
  readonly public: boolean;
}

/** A schema node with the TypeScript type of its values attached (phantom). */
export interface Node<T> {
  readonly schema: Schema;
  readonly public: boolean;
  /** Type carrier only; never set at run time. */
  readonly __type?: T;
}

export type Infer<N> = N extends Node<infer T> ? T : never;

export interface FieldOptions {
  /** Shown in traces as it is. */
  public?: boolean;
  /** Shown in traces as `<secret>`: no size, no presence (PINs, passwords, keys, values, names of secret things). */
  secret?: boolean;
}

type Fields = Record<string, Node<unknown>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type RecordOf<F extends Fields> = Simplify<
  { [K in keyof F as undefined extends Infer<F[K]> ? never : K]: Infer<F[K]> } & {
    [K in keyof F as undefined extends Infer<F[K]> ? K : never]?: Infer<F[K]>;
  }
>;

function node<T>(schema: Schema, opts?: FieldOptions): Node<T> {
  if (opts?.secret === true) {
    if (opts.public === true) throw new RangeError('a field cannot be both public and secret');
    return { schema: { ...schema, secret: true }, public: false };
  }
  return { schema, public: opts?.public === true };
}

function maxOf(max: number, what: string): number {
  if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) throw new RangeError(`${what}: max must be a u32`);
  return max;
}

/** Field types. u64 values are bigint (exact); the narrower integers are numbers. */
export const t = {
  u8: (o?: FieldOptions) => node<number>({ type: 'u8' }, o),
  u16: (o?: FieldOptions) => node<number>({ type: 'u16' }, o),
  u32: (o?: FieldOptions) => node<number>({ type: 'u32' }, o),
  u64: (o?: FieldOptions) => node<bigint>({ type: 'u64' }, o),
  bool: (o?: FieldOptions) => node<boolean>({ type: 'bool' }, o),
  /** Raw bytes, at most `max`. Decoded values are fresh copies, never views into the message. */
  bytes: (max: number, o?: FieldOptions) => node<Uint8Array>({ type: 'bytes', max: maxOf(max, 'bytes') }, o),
  /** UTF-8 text of at most `maxBytes` encoded bytes. */
  string: (maxBytes: number, o?: FieldOptions) => node<string>({ type: 'string', max: maxOf(maxBytes, 'string') }, o),
  /** Absent or present; takes the visibility of what it wraps unless told otherwise (a secret's presence is secret). */
  optional: <T>(of: Node<T>, o?: FieldOptions) =>
    node<T | undefined>(
      { type: 'optional', of: of.schema },
      o ?? { public: of.public, secret: of.schema.secret === true },
    ),
  list: <T>(of: Node<T>, maxCount: number, o?: FieldOptions) =>
    node<T[]>({ type: 'list', of: of.schema, max: maxOf(maxCount, 'list') }, o),
  record: <F extends Fields>(fields: F, o?: FieldOptions): Node<RecordOf<F>> => {
    const names = Object.keys(fields);
    if (names.length > 255) throw new RangeError('a record has at most 255 fields');
    for (const n of names) {
      // Integer-like keys would be reordered by JS and break the declared field order.
      if (/^(0|[1-9]\d*)$/.test(n)) throw new RangeError(`record field '${n}': integer-like names are not allowed`);
    }
    return node(
      {
        type: 'record',
        fields: names.map((name) => ({ name, schema: fields[name].schema, public: fields[name].public })),
      },
      o,
    );
  },
};

export class Codec<T = unknown> {
  readonly schema: Schema;
  /** FNV-1a of the canonical schema; the first 4 bytes of every encoding, so mismatched layouts are caught. */
  readonly fingerprint: number;
  /** Upper bound of an encoding's length (header included): what a reply buffer must hold. */
  readonly maxSize: number;
  /** The whole value is public (shown in traces), not just the fields marked so. */
  readonly rootPublic: boolean;
  private readonly enc: Encoder;
  private readonly dec: Decoder;

  constructor(schema: Schema, rootPublic = false) {
    this.schema = schema;
    this.rootPublic = rootPublic;
    this.fingerprint = fnv1a(JSON.stringify(canonical(schema)));
    this.maxSize = 4 + maxSize(schema);
    this.enc = compileEncoder(schema);
    this.dec = compileDecoder(schema);
  }

  /**
   * Serialize into fresh pages, at least `minBytes` long (room for a reply); offset = bytes used, valid = page
   * length. Throws SerializationError/InvalidString.
   */
  encode(value: T, minBytes = 0): PageBuffer {
    return this.encoded(value, (w) => {
      const buf = allocPages(pagesFor(Math.max(w.pos, minBytes)));
      w.copyTo(buf.bytes);
      buf.offset = w.pos;
      buf.valid = buf.bytes.length;
      return buf;
    });
  }

  /** Serialize into an existing buffer (a server answering in a lent buffer). Fails if it does not fit. */
  encodeInto(value: T, buf: PageBuffer): void {
    this.encoded(value, (w) => {
      if (w.pos > buf.bytes.length) {
        throw new IpcError(
          XousError.SerializationError,
          `encoding of ${w.pos} bytes does not fit a ${buf.bytes.length}-byte buffer`,
        );
      }
      w.copyTo(buf.bytes);
      buf.offset = w.pos;
      buf.valid = buf.bytes.length;
    });
  }

  /** The encoded bytes alone (a copy). */
  encodeBytes(value: T): Uint8Array {
    return this.encoded(value, (w) => w.take());
  }

  /** Encode into the thread's scratch writer, let `use` copy it out, then zero the scratch: values may be secret. */
  private encoded<R>(value: T, use: (w: Writer) => R): R {
    const w = Writer.shared();
    try {
      w.u32(this.fingerprint);
      this.enc(w, value, '');
      return use(w);
    } finally {
      w.wipe();
    }
  }

  /** Validate and decode the used part of `buf` (its `offset` bytes). */
  decode(buf: PageBuffer): T {
    const used = buf.offset;
    if (!Number.isInteger(used) || used <= 0)
      throw new IpcError(XousError.SerializationError, 'empty buffer (offset 0)');
    if (used > buf.bytes.length) throw new IpcError(XousError.SerializationError, 'offset beyond the buffer');
    return this.decodeBytes(buf.bytes.subarray(0, used));
  }

  decodeBytes(bytes: Uint8Array): T {
    const r = new Reader(bytes);
    if (bytes.length < 4) throw new IpcError(XousError.SerializationError, 'truncated header');
    if (r.u32('header') !== this.fingerprint)
      throw new IpcError(XousError.SerializationError, 'schema fingerprint mismatch');
    const value = this.dec(r, '') as T;
    if (r.pos !== bytes.length) {
      throw new IpcError(XousError.SerializationError, `${bytes.length - r.pos} trailing bytes after the value`);
    }
    return value;
  }

  /** What a trace may show of a value: public fields as they are, everything else by size only. */
  view(value: T): unknown {
    return viewOf(this.schema, value, this.rootPublic);
  }
}

export function codec<T>(root: Node<T>): Codec<T> {
  return new Codec<T>(root.schema, root.public);
}

const compiled = new Map<string, Codec>();

/** Rebuild a codec from a schema that came from another thread (cached by canonical form). */
export function codecFromSchema(schema: Schema): Codec {
  const key = JSON.stringify(canonical(schema));
  let c = compiled.get(key);
  if (!c) {
    c = new Codec(schema);
    compiled.set(key, c);
  }
  return c;
}

function canonical(s: Schema): unknown {
  // Secrecy is part of the layout's identity: a cached remote codec must not show a field its owner hid.
  return s.secret ? ['secret', shape(s)] : shape(s);
}

function shape(s: Schema): unknown {
  switch (s.type) {
    case 'bytes':
    case 'string':
      return [s.type, s.max];
    case 'optional':
      return [s.type, canonical(s.of)];
    case 'list':
      return [s.type, s.max, canonical(s.of)];
    case 'record':
      return [s.type, s.fields.map((f) => [f.name, f.public, canonical(f.schema)])];
    default:
      return s.type;
  }
}

function maxSize(s: Schema): number {
  switch (s.type) {
    case 'u8':
    case 'bool':
      return 2;
    case 'u16':
      return 3;
    case 'u32':
      return 5;
    case 'u64':
      return 9;
    case 'bytes':
    case 'string':
      return 5 + s.max;
    case 'optional':
      return 1 + maxSize(s.of);
    case 'list':
      return 5 + s.max * maxSize(s.of);
    case 'record':
      return 2 + s.fields.reduce((n, f) => n + maxSize(f.schema), 0);
  }
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const enc = new TextEncoder();

/** What a trace shows in place of a secret value. */
const SECRET = '<secret>';

function viewOf(s: Schema, v: unknown, shown: boolean): unknown {
  if (s.secret) return SECRET;
  if (s.type === 'record') {
    if (v === null || typeof v !== 'object') return '<invalid>';
    const out: Record<string, unknown> = {};
    for (const f of s.fields) out[f.name] = viewOf(f.schema, (v as Record<string, unknown>)[f.name], shown || f.public);
    return out;
  }
  if (s.type === 'list') {
    if (!Array.isArray(v)) return '<invalid>';
    // A hidden list still shows its records' public fields: the list length alone is not a secret.
    return v.map((x) => viewOf(s.of, x, shown));
  }
  if (s.type === 'optional') return v === undefined || v === null ? (shown ? null : '<none>') : viewOf(s.of, v, shown);
  if (shown) {
    if (s.type === 'bytes') return v instanceof Uint8Array ? `hex:${Buffer.from(v).toString('hex')}` : '<invalid>';
    if (s.type === 'u64') return typeof v === 'bigint' ? v.toString() : v;
    return v;
  }
  if (s.type === 'string') return typeof v === 'string' ? `<${enc.encode(v).length} bytes>` : '<invalid>';
  if (s.type === 'bytes') return v instanceof Uint8Array ? `<${v.length} bytes>` : '<invalid>';
  return `<${s.type}>`;
}
