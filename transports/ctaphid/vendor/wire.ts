// The backup protocol's chunk: a CBOR map Wire {1: index, 2: size, 3: more, 4: bytes}, each carrying at most
// 7588 bytes of an encoded DataPacket so that one chunk fits a CTAPHID message (7609 bytes).
import { decode, encode } from 'cborg';

export const WIRE_MAX_DATA = 7588;

export interface Wire {
  index: number;
  more: boolean;
  data: Uint8Array;
}

export class WireError extends Error {
  override name = 'WireError';
}

export function encodeWire(w: Wire): Uint8Array {
  return encode(
    new Map<number, unknown>([
      [1, w.index],
      [2, w.data.length],
      [3, w.more],
      [4, w.data],
    ]),
  );
}

/** A chunk from the host: every field present and typed, `size` matching the bytes, nothing after the map. */
export function decodeWire(bytes: Uint8Array): Wire {
  let v: unknown;
  try {
    v = decode(bytes, { useMaps: true });
  } catch {
    throw new WireError('not one well-formed CBOR item');
  }
  if (!(v instanceof Map)) throw new WireError('a Wire chunk is a CBOR map');
  const index = v.get(1);
  const size = v.get(2);
  const more = v.get(3);
  const data = v.get(4);
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0)
    throw new WireError('field 1 (index) is not an unsigned integer');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw new WireError('field 2 (size) is not an unsigned integer');
  if (typeof more !== 'boolean') throw new WireError('field 3 (more) is not a boolean');
  if (!(data instanceof Uint8Array)) throw new WireError('field 4 (data) is not a byte string');
  if (data.length !== size) throw new WireError('field 2 (size) does not match the data');
  return { index, more, data };
}

/** Cut an encoded packet into chunks, as the original's Wires::from does; an empty input still makes one chunk. */
export function splitWires(bytes: Uint8Array): Wire[] {
  const out: Wire[] = [];
  for (let off = 0, index = 0; off < bytes.length || index === 0; off += WIRE_MAX_DATA, index++) {
    out.push({ index, more: off + WIRE_MAX_DATA < bytes.length, data: bytes.subarray(off, off + WIRE_MAX_DATA) });
  }
  return out;
}
