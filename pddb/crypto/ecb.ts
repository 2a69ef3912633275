// AES-256-ECB over whole 16-byte blocks: page-table entries and SpaceUpdate records. node:crypto (OpenSSL, AES-NI)
// rather than @noble: mount trial-decrypts every entry of the page table (25,088 on a Precursor), ~0.2 ms in one
// OpenSSL call against ~14 ms in pure JS. No padding: the PDDB only ever encrypts exact blocks.
import { createCipheriv, createDecipheriv, type Cipher, type Decipher } from 'node:crypto';
import { expectLength, plainBytes } from './bytes.ts';

export const AES_BLOCK = 16;
export const AES256_KEY_LEN = 32;

/** Encrypt `data` (any number of whole blocks, each independently) under a 32-byte key. Returns a new array. */
export function ecbEncrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  return run(createCipheriv('aes-256-ecb', checked(key, data), null), data);
}

/**
 * Decrypt any number of whole blocks in one call. Shaped for trial decryption of a whole page table: pass the
 * region (entry i at offset 16 * i) and get the plaintexts at the same offsets, then check each entry's
 * checksum; entries under other keys simply fail their check.
 */
export function ecbDecrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  return run(createDecipheriv('aes-256-ecb', checked(key, data), null), data);
}

function checked(key: Uint8Array, data: Uint8Array): Uint8Array {
  expectLength(key, AES256_KEY_LEN, 'AES-256 key');
  if (data.length % AES_BLOCK !== 0) throw new RangeError('ECB data must be a multiple of 16 bytes');
  return key;
}

function run(cipher: Cipher | Decipher, data: Uint8Array): Uint8Array {
  cipher.setAutoPadding(false);
  const out = cipher.update(data);
  // With whole blocks and no padding, final() has nothing left to emit; call it to release the context.
  cipher.final();
  return plainBytes(out);
}
