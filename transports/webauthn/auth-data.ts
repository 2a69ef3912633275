// Reading authenticatorData as a client does (WebAuthn section 6.1): flags, counter, the attested credential (its
// COSE key's length is only known by decoding it) and the extension outputs.
import { decodeFirst, decode } from 'cborg';

export const UP = 0x01;
export const UV = 0x04;
export const AT = 0x40;
export const ED = 0x80;

export interface ParsedAuthData {
  flags: number;
  counter: number;
  aaguid?: Uint8Array;
  credentialId?: Uint8Array;
  publicKey?: Map<number, unknown>;
  extensions?: Map<string, unknown>;
}

const OPTS = { useMaps: true } as const;

export function parseAuthData(a: Uint8Array): ParsedAuthData {
  if (a.length < 37) throw new Error('authenticatorData is shorter than 37 bytes');
  const flags = a[32];
  const counter = new DataView(a.buffer, a.byteOffset + 33, 4).getUint32(0);
  const out: ParsedAuthData = { flags, counter };
  let rest = a.subarray(37);
  if (flags & AT) {
    out.aaguid = rest.subarray(0, 16);
    const len = (rest[16] << 8) | rest[17];
    out.credentialId = rest.subarray(18, 18 + len);
    const [key, after] = decodeFirst(rest.subarray(18 + len), OPTS);
    out.publicKey = key as Map<number, unknown>;
    rest = after;
  }
  if (flags & ED) out.extensions = decode(rest, OPTS) as Map<string, unknown>;
  return out;
}
