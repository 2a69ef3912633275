// Byte helpers for the crypto and key modules. @noble/ciphers has constant-time equality, length checks (RangeError
// for a wrong length, TypeError for a non-Uint8Array) and zeroing: we use those, and keep only what it lacks.
import { clean } from '@noble/ciphers/utils.js';

export { abytes as expectLength, equalBytes as bytesEqual } from '@noble/ciphers/utils.js';

/** A plain Uint8Array over a Buffer's memory, without copying when the Buffer owns its whole ArrayBuffer
 * (so callers' .slice() copies, as for any Uint8Array, and wiping it wipes nothing else). */
export function plainBytes(buf: Buffer): Uint8Array {
  if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.length) return new Uint8Array(buf.buffer, 0, buf.length);
  return new Uint8Array(buf);
}

/** Zero every array given, skipping absent ones (noble's clean() takes arrays only). */
export function wipe(...arrays: (Uint8Array | null | undefined)[]): void {
  clean(...arrays.filter((a): a is Uint8Array => a != null));
}
