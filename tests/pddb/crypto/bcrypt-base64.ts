// bcrypt's own base64 (alphabet "./A-Za-z0-9", no padding), written here for the tests so that published hash
// strings can be decoded without the library being cross-checked.
const ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function bcryptBase64Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i];
    const b1 = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const b2 = i + 2 < bytes.length ? bytes[i + 2] : 0;
    out += ALPHABET[b0 >> 2] + ALPHABET[((b0 & 3) << 4) | (b1 >> 4)];
    if (i + 1 < bytes.length) out += ALPHABET[((b1 & 15) << 2) | (b2 >> 6)];
    if (i + 2 < bytes.length) out += ALPHABET[b2 & 63];
  }
  return out;
}

/** The first `len` bytes that `text` encodes (bits past them are ignored, as bcrypt does for the salt). */
export function bcryptBase64Decode(text: string, len: number): Uint8Array {
  let bits = 0;
  let nbits = 0;
  const out: number[] = [];
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new Error('not bcrypt base64');
    bits = (bits << 6) | v;
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out.push((bits >> nbits) & 0xff);
      bits &= (1 << nbits) - 1;
      if (out.length === len) break;
    }
  }
  if (out.length !== len) throw new Error('bcrypt base64 too short');
  return Uint8Array.from(out);
}
