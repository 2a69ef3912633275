// AES-256-GCM-SIV (RFC 8452) for data pages, via @noble/ciphers (node's OpenSSL 3.0 has no GCM-SIV).
// Decryption returns null instead of throwing: the PDDB trial-decrypts routinely (journal conflicts, pages of
// other bases, the root page under a wrong password), so a failed tag is an expected outcome, not an error.
import { gcmsiv } from '@noble/ciphers/aes.js';
import { expectLength } from './bytes.ts';
import { AES256_KEY_LEN } from './ecb.ts';

export const GCMSIV_NONCE_LEN = 12;
export const GCMSIV_TAG_LEN = 16;

/** ciphertext || tag (plaintext.length + 16 bytes). */
export function gcmsivEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  checkArgs(key, nonce);
  return gcmsiv(key, nonce, aad).encrypt(plaintext);
}

/**
 * The plaintext, or null when the input does not authenticate under (key, nonce, aad) or is too short to hold a
 * tag. Wrong key or nonce sizes are the caller's bug and still throw.
 */
export function gcmsivDecrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertextAndTag: Uint8Array,
  aad: Uint8Array,
): Uint8Array | null {
  checkArgs(key, nonce);
  if (ciphertextAndTag.length < GCMSIV_TAG_LEN) return null;
  try {
    return gcmsiv(key, nonce, aad).decrypt(ciphertextAndTag);
  } catch {
    // After the checks above, the only failure left is authentication.
    return null;
  }
}

function checkArgs(key: Uint8Array, nonce: Uint8Array): void {
  expectLength(key, AES256_KEY_LEN, 'GCM-SIV key');
  expectLength(nonce, GCMSIV_NONCE_LEN, 'GCM-SIV nonce');
}
