// ISO 7816-4 command APDUs as U2F uses them: CLA INS P1 P2, then short (Lc 1 byte) or extended (0 | Lc 2 bytes)
// data, then an optional Le. Anything else is a typed U2fError with the status word the spec names.
export class U2fError extends Error {
  override name = 'U2fError';
  constructor(readonly sw: number) {
    super(`U2F status ${sw.toString(16)}`);
  }
}

export interface Apdu {
  ins: number;
  p1: number;
  p2: number;
  data: Uint8Array;
}

export function parseApdu(b: Uint8Array): Apdu {
  if (b.length < 4) throw new U2fError(0x6700);
  if (b[0] !== 0) throw new U2fError(0x6e00);
  const head = { ins: b[1], p1: b[2], p2: b[3] };
  if (b.length === 4) return { ...head, data: new Uint8Array(0) };
  if (b[4] === 0 && b.length >= 7) {
    // Extended length: 0 | Lc (2 bytes) | data | Le (0 or 2 bytes); or just 0 | Le (2 bytes) with no data.
    if (b.length === 7) return { ...head, data: new Uint8Array(0) };
    const lc = (b[5] << 8) | b[6];
    const rest = b.length - 7 - lc;
    if (lc === 0 || (rest !== 0 && rest !== 2)) throw new U2fError(0x6700);
    return { ...head, data: b.subarray(7, 7 + lc) };
  }
  if (b.length === 5) return { ...head, data: new Uint8Array(0) }; // Le only
  const lc = b[4];
  const rest = b.length - 5 - lc;
  if (lc === 0 || (rest !== 0 && rest !== 1)) throw new U2fError(0x6700);
  return { ...head, data: b.subarray(5, 5 + lc) };
}
