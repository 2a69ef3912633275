// Small byte helpers shared by the crypto modules.

/** Throws a RangeError naming `what` when `bytes` is not exactly `len` long (a caller's bug, never data). */
export function expectLength(bytes: Uint8Array, len: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== len) throw new RangeError(`${what} must be ${len} bytes`);
}

/** A plain Uint8Array over a Buffer's memory, without copying when the Buffer owns its whole ArrayBuffer
 * (so callers' .slice() copies, as for any Uint8Array, and wiping it wipes nothing else). */
export function plainBytes(buf: Buffer): Uint8Array {
  if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.length) return new Uint8Array(buf.buffer, 0, buf.length);
  return new Uint8Array(buf);
}

/** Constant-time equality of two byte arrays of equal length (false when lengths differ). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Overwrite every given array with zeros (key material no longer needed). */
export function wipe(...arrays: (Uint8Array | null | undefined)[]): void {
  for (const a of arrays) a?.fill(0);
}
