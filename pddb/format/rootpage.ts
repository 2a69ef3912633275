// The basis root page, at virtual address 0xFE0 (vpage 1), is key-committed (hw.rs kcom_func):
//   nonce(12) | ct[0..4004] | kcom_nonce(32) | kcom(32) | tag(16)
// ct||tag = GCM-SIV under kenc (derived from the data key and kcom_nonce) of: journal u32 | BasisRoot(80) | zeros.
// BasisRoot (basis.rs, repr(C)): magic "PDDB" | version u32 | age u32 | num_dictionaries u32 | name_len u8 | name[63].
// Key commitment is what makes "this password opens this basis" a proof: without it GCM-SIV could be made to
// authenticate under two keys.
import { gcmsivDecrypt, gcmsivEncrypt } from '../crypto/gcmsiv.ts';
import { KCOM_LEN, KCOM_NONCE_LEN, kcomDerive, kcomOpen } from '../crypto/kcom.ts';
import { BASIS_NAME_MAX, NONCE_SIZE, PAGE_SIZE, PDDB_VERSION, TAG_SIZE } from './constants.ts';

export const ROOT_VPAGE = 1;
const CT_LEN = 4004;
const MAGIC = [0x50, 0x44, 0x44, 0x42]; // "PDDB"
const KCOM_NONCE_AT = NONCE_SIZE + CT_LEN;
const KCOM_AT = KCOM_NONCE_AT + KCOM_NONCE_LEN;
const TAG_AT = KCOM_AT + KCOM_LEN;

export interface BasisRoot {
  name: string;
  age: number;
  numDictionaries: number;
}

export function sealRootPage(
  dataKey: Uint8Array,
  nonce: Uint8Array,
  kcomNonce: Uint8Array,
  journal: number,
  root: BasisRoot,
  aad: Uint8Array,
): Uint8Array {
  const plain = new Uint8Array(CT_LEN);
  const v = new DataView(plain.buffer);
  v.setUint32(0, journal >>> 0, true);
  plain.set(MAGIC, 4);
  v.setUint32(8, PDDB_VERSION, true);
  v.setUint32(12, root.age >>> 0, true);
  v.setUint32(16, root.numDictionaries >>> 0, true);
  const name = new TextEncoder().encode(root.name);
  if (name.length > BASIS_NAME_MAX) throw new RangeError('basis name too long');
  plain[20] = name.length;
  plain.set(name, 21);
  const { kenc, kcom } = kcomDerive(dataKey, kcomNonce);
  const sealed = gcmsivEncrypt(kenc, nonce, plain, aad);
  kenc.fill(0);
  const page = new Uint8Array(PAGE_SIZE);
  page.set(nonce, 0);
  page.set(sealed.subarray(0, CT_LEN), NONCE_SIZE);
  page.set(kcomNonce, KCOM_NONCE_AT);
  page.set(kcom, KCOM_AT);
  page.set(sealed.subarray(CT_LEN), TAG_AT);
  return page;
}

export interface OpenedRoot {
  journal: number;
  root: BasisRoot;
}

/**
 * The root, or null when the page does not open under this key (wrong basis, wrong password, damage) or does not
 * hold a well-formed v0x201 root. The caller compares the name.
 */
export function openRootPage(dataKey: Uint8Array, page: Uint8Array, aad: Uint8Array): OpenedRoot | null {
  const kenc = kcomOpen(dataKey, page.subarray(KCOM_NONCE_AT, KCOM_AT), page.subarray(KCOM_AT, TAG_AT));
  if (!kenc) return null;
  const sealed = new Uint8Array(CT_LEN + TAG_SIZE);
  sealed.set(page.subarray(NONCE_SIZE, KCOM_NONCE_AT));
  sealed.set(page.subarray(TAG_AT), CT_LEN);
  const plain = gcmsivDecrypt(kenc, page.subarray(0, NONCE_SIZE), sealed, aad);
  kenc.fill(0);
  if (!plain) return null;
  const v = new DataView(plain.buffer, plain.byteOffset);
  if (MAGIC.some((m, i) => plain[4 + i] !== m) || v.getUint32(8, true) !== PDDB_VERSION) return null;
  const nameLen = plain[20];
  if (nameLen > BASIS_NAME_MAX) return null;
  const name = decodeUtf8(plain.subarray(21, 21 + nameLen));
  if (name === null) return null;
  return {
    journal: v.getUint32(0, true),
    root: { name, age: v.getUint32(12, true), numDictionaries: v.getUint32(16, true) },
  };
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 decode; null for invalid bytes (names on flash are never trusted). */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}
