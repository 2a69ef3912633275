// Page-table entries (backend/pagetable.rs). Entry i, at byte 16 * i of the page table, maps data page i. Its
// plaintext is one AES block under the basis page-table key:
//   vpage (7 bytes LE) | flags u8 (CLEAN = 1) | nonce u32 LE | murmur3_32(bytes 0..12, seed = nonce) u32 LE
// An entry belongs to a basis when it decrypts under that basis' key to a matching checksum; nothing else marks it.
import { murmur3_32 } from '../crypto/murmur3.ts';
import { PTE_SIZE } from './constants.ts';

export const PTE_FLAG_CLEAN = 0x01;

export interface PteFields {
  vpage: number;
  flags: number;
  nonce: number;
}

export function encodePte(vpage: number, nonce: number): Uint8Array {
  const b = new Uint8Array(PTE_SIZE);
  const v = new DataView(b.buffer);
  // 7-byte little-endian virtual page number: low 32 bits, then the 3 high bytes (vpages stay below 2^53).
  v.setUint32(0, vpage >>> 0, true);
  const hi = Math.floor(vpage / 2 ** 32);
  b[4] = hi & 0xff;
  b[5] = (hi >>> 8) & 0xff;
  b[6] = (hi >>> 16) & 0xff;
  b[7] = PTE_FLAG_CLEAN;
  v.setUint32(8, nonce >>> 0, true);
  v.setUint32(12, murmur3_32(b.subarray(0, 12), nonce >>> 0), true);
  return b;
}

/** The fields of a decrypted entry at `at` in `plain`, or null when its checksum does not match. */
export function decodePte(plain: Uint8Array, at: number): PteFields | null {
  const v = new DataView(plain.buffer, plain.byteOffset + at, PTE_SIZE);
  const nonce = v.getUint32(8, true);
  if (murmur3_32(plain.subarray(at, at + 12), nonce) !== v.getUint32(12, true)) return null;
  const vpage = v.getUint32(0, true) + (plain[at + 4] | (plain[at + 5] << 8) | (plain[at + 6] << 16)) * 2 ** 32;
  return { vpage, flags: plain[at + 7], nonce };
}
