// Test helpers: hex in and out.
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Bytes from hex; whitespace (as in RFC listings) is ignored. */
export function unhex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new Error(`bad hex: ${text}`);
  return new Uint8Array(Buffer.from(clean, 'hex'));
}
