// AES key wrap with padding (RFC 5649 / NIST SP 800-38F KWP): how the .System keys sit in the key page, wrapped
// by the root-keys User0 key. @noble/ciphers' aeskwp rather than node's id-aes256-wrap-pad: the inputs are 32-byte
// keys (speed is irrelevant), noble behaves the same on every Node/OpenSSL build, and its failure is a plain
// exception we can map, whereas OpenSSL reports a failed integrity check as a generic "unsupported state" error
// thrown from update(). Node's implementation is used in the tests as the independent cross-check.
import { aeskwp } from '@noble/ciphers/aes.js';
import { expectLength } from './bytes.ts';
import { AES256_KEY_LEN } from './ecb.ts';

/** What an unwrap gives: the key, or why not (never an exception: a wrong boot PIN ends up here). */
export type KwpUnwrapResult = { ok: true; key: Uint8Array } | { ok: false; reason: 'length' | 'integrity' };

/** Wrap `keyData` (1 or more bytes) under a 32-byte KEK: 8 + keyData.length rounded up to 8 bytes (40 for 32). */
export function kwpWrap(kek: Uint8Array, keyData: Uint8Array): Uint8Array {
  expectLength(kek, AES256_KEY_LEN, 'KWP key-encryption key');
  if (keyData.length === 0) throw new RangeError('KWP: nothing to wrap');
  return aeskwp(kek).encrypt(keyData);
}

/** Unwrap and check the RFC 5649 integrity value (constant A65959A6 and a consistent length and padding). */
export function kwpUnwrap(kek: Uint8Array, wrapped: Uint8Array): KwpUnwrapResult {
  expectLength(kek, AES256_KEY_LEN, 'KWP key-encryption key');
  if (wrapped.length < 16 || wrapped.length % 8 !== 0) return { ok: false, reason: 'length' };
  try {
    return { ok: true, key: aeskwp(kek).decrypt(wrapped) };
  } catch {
    return { ok: false, reason: 'integrity' };
  }
}
