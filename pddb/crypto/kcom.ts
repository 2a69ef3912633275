// Key commitment for basis root pages (hw.rs kcom_func, after eprint 2020/1456 Table 4, "Type I"): GCM-SIV alone
// is not key-committing, so a root page is encrypted under a key derived from the basis data key and a random
// 32-byte nonce stored in the page, next to a commitment to that key:
//   kenc = SHA512/256(key | 43 6f 06 d6 0d 69 74 01 01 | kcom_nonce)
//   kcom = SHA512/256(key | 43 6f 06 d6 0d 69 74 01 02 | kcom_nonce)
// A root page is accepted only if it authenticates under kenc AND its stored kcom equals the derived one.
import { sha512_256 } from '@noble/hashes/sha2.js';
import { bytesEqual, expectLength } from './bytes.ts';

export const KCOM_NONCE_LEN = 32;
export const KCOM_LEN = 32;

const LABEL_ENC = Uint8Array.of(0x43, 0x6f, 0x06, 0xd6, 0x0d, 0x69, 0x74, 0x01, 0x01);
const LABEL_COM = Uint8Array.of(0x43, 0x6f, 0x06, 0xd6, 0x0d, 0x69, 0x74, 0x01, 0x02);

/** (kenc, kcom) for a 32-byte basis data key and a 32-byte commitment nonce. */
export function kcomDerive(key: Uint8Array, kcomNonce: Uint8Array): { kenc: Uint8Array; kcom: Uint8Array } {
  expectLength(key, 32, 'key-commitment key');
  expectLength(kcomNonce, KCOM_NONCE_LEN, 'key-commitment nonce');
  return {
    kenc: sha512_256.create().update(key).update(LABEL_ENC).update(kcomNonce).digest(),
    kcom: sha512_256.create().update(key).update(LABEL_COM).update(kcomNonce).digest(),
  };
}

/** kenc when `storedKcom` commits to `key` under `kcomNonce` (constant-time compare), else null. */
export function kcomOpen(key: Uint8Array, kcomNonce: Uint8Array, storedKcom: Uint8Array): Uint8Array | null {
  const { kenc, kcom } = kcomDerive(key, kcomNonce);
  const ok = storedKcom.length === KCOM_LEN && bytesEqual(kcom, storedKcom);
  kcom.fill(0);
  if (ok) return kenc;
  kenc.fill(0);
  return null;
}
