// Strict CTAP2 CBOR (CTAP 2.1 section 8): cborg decodes with its strict options (shortest integers and lengths, no
// indefinite lengths, no tags, no undefined/NaN/Infinity, duplicate keys refused); what cborg cannot check on input
// (map key order, float width) is checked by re-encoding canonically and comparing byte for byte, as clients do
// with our answers. Nesting deeper than CTAP's 4 levels is refused. `Params` reads a request map with the status
// codes the spec gives each failure: wrong type CBOR_UNEXPECTED_TYPE, absent MISSING_PARAMETER.
import { decode, encode } from 'cborg';
import { equalBytes } from '@noble/ciphers/utils.js';
import { CtapError, CtapStatus } from './status.ts';

export type CborMap = Map<unknown, unknown>;

const DECODE_OPTIONS = {
  strict: true,
  useMaps: true,
  rejectDuplicateMapKeys: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowNaN: false,
  allowInfinity: false,
  allowBigInt: false,
} as const;

/** Containers nested inside the request map (CTAP: at most 4 levels, the request map included). */
export const MAX_NESTING = 4;

/** Canonical CTAP2 encoding: shortest forms, definite lengths, keys sorted by major type, length, then bytes. */
export function encodeCbor(value: unknown): Uint8Array {
  return encode(value);
}

/** Decode one strict, canonical CBOR item filling all of `bytes`. */
export function decodeCbor(bytes: Uint8Array): unknown {
  let value: unknown;
  try {
    value = decode(bytes, DECODE_OPTIONS);
  } catch {
    // Truncation, trailing bytes, duplicates, tags, non-shortest forms, and stack exhaustion on absurd nesting.
    throw new CtapError(CtapStatus.InvalidCbor, 'malformed CBOR');
  }
  if (depth(value) > MAX_NESTING) throw new CtapError(CtapStatus.InvalidCbor, 'CBOR nested too deeply');
  if (!equalBytes(encode(value), bytes)) throw new CtapError(CtapStatus.InvalidCbor, 'CBOR is not canonical');
  return value;
}

/** A CTAP2 command's parameter map (integer keys). */
export function decodeParams(bytes: Uint8Array): Params {
  const v = decodeCbor(bytes);
  if (!(v instanceof Map)) throw new CtapError(CtapStatus.CborUnexpectedType, 'parameters are not a map');
  return new Params(v, 'request');
}

function depth(v: unknown): number {
  if (v instanceof Map) {
    let d = 0;
    for (const [k, x] of v) d = Math.max(d, depth(k), depth(x));
    return d + 1;
  }
  if (Array.isArray(v)) return v.reduce((d: number, x) => Math.max(d, depth(x)), 0) + 1;
  return 0;
}

function typeError(where: string, key: unknown, want: string): CtapError {
  return new CtapError(CtapStatus.CborUnexpectedType, `${where}[${String(key)}] is not ${want}`);
}

/** Typed, checked access to a CBOR map; unknown keys are ignored, as the spec requires. */
export class Params {
  constructor(
    readonly map: CborMap,
    private readonly where: string,
  ) {}

  has(key: number | string): boolean {
    return this.map.has(key);
  }

  private req<T>(key: number | string, get: (k: number | string) => T | undefined): T {
    const v = get(key);
    if (v === undefined) throw new CtapError(CtapStatus.MissingParameter, `${this.where}[${String(key)}] is missing`);
    return v;
  }

  optBytes(key: number | string): Uint8Array | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    if (!(v instanceof Uint8Array)) throw typeError(this.where, key, 'a byte string');
    return v;
  }
  bytes(key: number | string): Uint8Array {
    return this.req(key, (k) => this.optBytes(k));
  }

  optText(key: number | string): string | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw typeError(this.where, key, 'a text string');
    return v;
  }
  text(key: number | string): string {
    return this.req(key, (k) => this.optText(k));
  }

  optInt(key: number | string): number | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(this.where, key, 'an integer');
    return v;
  }
  int(key: number | string): number {
    return this.req(key, (k) => this.optInt(k));
  }
  optUint(key: number | string): number | undefined {
    const v = this.optInt(key);
    if (v !== undefined && v < 0) throw typeError(this.where, key, 'an unsigned integer');
    return v;
  }

  optBool(key: number | string): boolean | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw typeError(this.where, key, 'a boolean');
    return v;
  }

  optMap(key: number | string, where = `${this.where}[${String(key)}]`): Params | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    if (!(v instanceof Map)) throw typeError(this.where, key, 'a map');
    return new Params(v, where);
  }
  mapOf(key: number | string): Params {
    return this.req(key, (k) => this.optMap(k));
  }

  optArray(key: number | string): unknown[] | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw typeError(this.where, key, 'an array');
    return v;
  }
  array(key: number | string): unknown[] {
    return this.req(key, (k) => this.optArray(k));
  }

  /** Each element of an array parameter as a map. */
  optMaps(key: number | string): Params[] | undefined {
    return this.optArray(key)?.map((v, i) => {
      if (!(v instanceof Map)) throw typeError(this.where, `${String(key)}][${i}`, 'a map');
      return new Params(v, `${this.where}[${String(key)}][${i}]`);
    });
  }
}
