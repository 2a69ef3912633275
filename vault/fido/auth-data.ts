// Authenticator data (WebAuthn section 6.1): rpIdHash | flags | signCount (big-endian) | attested credential data
// (AAGUID | ID length | ID | COSE public key) | extensions (CBOR map).
import { concatBytes } from '@noble/hashes/utils.js';
import { encodeCbor } from './cbor.ts';

export const Flag = {
  UserPresent: 0x01,
  UserVerified: 0x04,
  BackupEligible: 0x08,
  BackedUp: 0x10,
  AttestedData: 0x40,
  ExtensionData: 0x80,
} as const;

export interface AuthDataParts {
  rpIdHash: Uint8Array;
  up: boolean;
  uv: boolean;
  counter: number;
  attested?: { aaguid: Uint8Array; id: Uint8Array; publicKey: Map<number, unknown> };
  extensions?: Map<string, unknown>;
}

export function authenticatorData(p: AuthDataParts): Uint8Array {
  const hasExt = p.extensions !== undefined && p.extensions.size > 0;
  const flags =
    (p.up ? Flag.UserPresent : 0) |
    (p.uv ? Flag.UserVerified : 0) |
    (p.attested ? Flag.AttestedData : 0) |
    (hasExt ? Flag.ExtensionData : 0);
  const head = new Uint8Array(37);
  head.set(p.rpIdHash);
  head[32] = flags;
  new DataView(head.buffer).setUint32(33, p.counter >>> 0);
  const parts: Uint8Array[] = [head];
  if (p.attested) {
    const len = Uint8Array.of(p.attested.id.length >> 8, p.attested.id.length & 0xff);
    parts.push(p.attested.aaguid, len, p.attested.id, encodeCbor(p.attested.publicKey));
  }
  if (hasExt) parts.push(encodeCbor(p.extensions));
  return concatBytes(...parts);
}
