// Data pages (hw.rs data_encrypt_and_patch_page / data_decrypt_page):
//   nonce(12) | AES-256-GCM-SIV(journal u32 LE | 4064 data bytes) | tag(16)
// AAD = basis name (UTF-8, unpadded) | PDDB_VERSION u32 LE | device DNA u64 LE. The basis name in the AAD ties a
// page to its basis; the DNA ties it to one device (hosted images and the original's tools use DNA 0).
import { gcmsivDecrypt, gcmsivEncrypt } from '../crypto/gcmsiv.ts';
import { JOURNAL_SIZE, NONCE_SIZE, PAGE_SIZE, PDDB_VERSION, VPAGE_SIZE } from './constants.ts';

export function pageAad(basisName: string, dna: bigint): Uint8Array {
  const name = new TextEncoder().encode(basisName);
  const aad = new Uint8Array(name.length + 12);
  aad.set(name);
  const v = new DataView(aad.buffer);
  v.setUint32(name.length, PDDB_VERSION, true);
  v.setBigUint64(name.length + 4, BigInt.asUintN(64, dna), true);
  return aad;
}

export function sealDataPage(
  key: Uint8Array,
  nonce: Uint8Array,
  journal: number,
  data: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  if (data.length !== VPAGE_SIZE) throw new RangeError(`a data page carries exactly ${VPAGE_SIZE} bytes`);
  const plain = new Uint8Array(JOURNAL_SIZE + VPAGE_SIZE);
  new DataView(plain.buffer).setUint32(0, journal >>> 0, true);
  plain.set(data, JOURNAL_SIZE);
  const page = new Uint8Array(PAGE_SIZE);
  page.set(nonce, 0);
  page.set(gcmsivEncrypt(key, nonce, plain, aad), NONCE_SIZE);
  plain.fill(0);
  return page;
}

export interface OpenedPage {
  journal: number;
  data: Uint8Array;
}

/** The journal and the 4064 data bytes, or null when the page does not authenticate under this key and AAD. */
export function openDataPage(key: Uint8Array, page: Uint8Array, aad: Uint8Array): OpenedPage | null {
  const plain = gcmsivDecrypt(key, page.subarray(0, NONCE_SIZE), page.subarray(NONCE_SIZE, PAGE_SIZE), aad);
  if (!plain) return null;
  return {
    journal: new DataView(plain.buffer, plain.byteOffset).getUint32(0, true),
    data: plain.subarray(JOURNAL_SIZE),
  };
}
