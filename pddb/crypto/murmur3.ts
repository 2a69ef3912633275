// MurmurHash3 x86 32-bit: the page-table entry checksum (backend/pagetable.rs: murmur3_32 over the first 12 bytes
// of the entry, seeded with the entry's nonce). Not a cryptographic hash; no library here hashes raw bytes with
// a 32-bit seed in one small call, so it lives here. Little-endian blocks, as the reference C++ and the
// original's tools/pddbcommon.py read them.

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/**
 * murmur3_32 of bytes[offset, offset + length) as an unsigned 32-bit integer. The range arguments let the mount
 * check 25,088 entries of one decrypted page table without creating a subarray per entry (~3x faster).
 */
export function murmur3_32(bytes: Uint8Array, seed: number, offset = 0, length = bytes.length - offset): number {
  if (
    !Number.isInteger(offset) ||
    !Number.isInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > bytes.length
  ) {
    throw new RangeError('murmur3_32: range outside the input');
  }
  const len = length;
  const blocksEnd = offset + (len & ~3);
  let h = seed | 0;

  for (let i = offset; i < blocksEnd; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }

  // Tail: the 1..3 leftover bytes, little-endian, mixed once without the rotate-multiply-add of h.
  const tail = len & 3;
  if (tail !== 0) {
    let k = bytes[blocksEnd];
    if (tail > 1) k |= bytes[blocksEnd + 1] << 8;
    if (tail > 2) k |= bytes[blocksEnd + 2] << 16;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }

  // Finalization: the length (mod 2^32) then fmix32.
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
