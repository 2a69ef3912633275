// FastSpace, in the FSCB region (backend/fastspace.rs, hw.rs). Two structures, both under .System keys:
// - the master record: 2041 PhysPage words, GCM-SIV under the .System data key with AAD ".FastSpace" | version |
//   DNA, stored as nonce(12) | ct(8164) | tag(16) = exactly two FSCB pages;
// - the SpaceUpdate log: 16-byte records, AES-ECB under the .System page-table key, in FSCB pages whose first 16
//   bytes are 0xFF, at offsets 16, 32, ... 4080: random u64 | PhysPage u32 | murmur3_32(bytes 0..12, seed = the
//   big-endian u32 of bytes 4..8).
// PhysPage word: bits 0-19 page (data-relative), 20 clean, 21 valid, 22-23 state, 24-27 a 4-bit journal.
import { gcmsivDecrypt, gcmsivEncrypt } from '../crypto/gcmsiv.ts';
import { murmur3_32 } from '../crypto/murmur3.ts';
import { NONCE_SIZE, PAGE_SIZE, PDDB_VERSION } from './constants.ts';

export const FASTSPACE_ENTRIES = 2041;
export const FASTSPACE_PAGES = 2;
export const SPACE_UPDATE_SIZE = 16;
export const SPACE_UPDATES_PER_PAGE = PAGE_SIZE / SPACE_UPDATE_SIZE - 1; // 255; the first slot marks a log page

export enum SpaceState {
  Free = 0,
  MaybeUsed = 1,
  Used = 2,
  Dirty = 3,
}

export interface PhysPage {
  page: number;
  state: SpaceState;
  journal: number;
}

const VALID_BIT = 1 << 21;
const CLEAN_BIT = 1 << 20;

export function encodePhysPage(p: PhysPage): number {
  return ((p.page & 0xfffff) | CLEAN_BIT | VALID_BIT | ((p.state & 3) << 22) | ((p.journal & 0xf) << 24)) >>> 0;
}

export function decodePhysPage(word: number): PhysPage | null {
  if ((word & VALID_BIT) === 0) return null;
  return { page: word & 0xfffff, state: ((word >>> 22) & 3) as SpaceState, journal: (word >>> 24) & 0xf };
}

export function fastSpaceAad(dna: bigint): Uint8Array {
  const label = new TextEncoder().encode('.FastSpace');
  const aad = new Uint8Array(label.length + 12);
  aad.set(label);
  const v = new DataView(aad.buffer);
  v.setUint32(label.length, PDDB_VERSION, true);
  v.setBigUint64(label.length + 4, BigInt.asUintN(64, dna), true);
  return aad;
}

/** The two FSCB pages of a master record holding `entries` (at most 2041; the rest of the slots are zero). */
export function sealMasterRecord(dataKey: Uint8Array, nonce: Uint8Array, entries: PhysPage[], dna: bigint): Uint8Array {
  if (entries.length > FASTSPACE_ENTRIES) throw new RangeError('too many FastSpace entries');
  const plain = new Uint8Array(FASTSPACE_ENTRIES * 4);
  const v = new DataView(plain.buffer);
  entries.forEach((e, i) => v.setUint32(i * 4, encodePhysPage(e), true));
  const out = new Uint8Array(FASTSPACE_PAGES * PAGE_SIZE);
  out.set(nonce, 0);
  out.set(gcmsivEncrypt(dataKey, nonce, plain, fastSpaceAad(dna)), NONCE_SIZE);
  return out;
}

/** The valid entries of a master record, or null when it does not authenticate. */
export function openMasterRecord(dataKey: Uint8Array, pages: Uint8Array, dna: bigint): PhysPage[] | null {
  const plain = gcmsivDecrypt(dataKey, pages.subarray(0, NONCE_SIZE), pages.subarray(NONCE_SIZE), fastSpaceAad(dna));
  if (!plain) return null;
  const v = new DataView(plain.buffer, plain.byteOffset, plain.length);
  const out: PhysPage[] = [];
  for (let i = 0; i < FASTSPACE_ENTRIES; i++) {
    const p = decodePhysPage(v.getUint32(i * 4, true));
    if (p) out.push(p);
  }
  return out;
}

/** Plaintext of one SpaceUpdate record (encrypt with ECB under the .System page-table key). */
export function encodeSpaceUpdate(p: PhysPage, random8: Uint8Array): Uint8Array {
  const b = new Uint8Array(SPACE_UPDATE_SIZE);
  b.set(random8.subarray(0, 8));
  const v = new DataView(b.buffer);
  v.setUint32(8, encodePhysPage(p), true);
  v.setUint32(12, murmur3_32(b.subarray(0, 12), v.getUint32(4, false)), true);
  return b;
}

/** A decrypted record's entry, or null when its checksum or valid bit fails (torn, blank or foreign). */
export function decodeSpaceUpdate(plain: Uint8Array, at: number): PhysPage | null {
  const v = new DataView(plain.buffer, plain.byteOffset + at, SPACE_UPDATE_SIZE);
  if (murmur3_32(plain.subarray(at, at + 12), v.getUint32(4, false)) !== v.getUint32(12, true)) return null;
  return decodePhysPage(v.getUint32(8, true));
}

/** An erased page. Pages are compared to it with memcmp: FastSpace checks its 16 pages at every master rewrite,
 * and a byte loop over them cost more than the table update of a small write. */
const ERASED_PAGE = new Uint8Array(PAGE_SIZE).fill(0xff);

export function isErased(bytes: Uint8Array): boolean {
  if (bytes.length >= 64 && bytes.length <= PAGE_SIZE) {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).equals(ERASED_PAGE.subarray(0, bytes.length));
  }
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0xff) return false;
  return true;
}
