// The key page, StaticCryptoData (hw.rs): version u32 (= 2) | .System page-table key, AES-KWP wrapped (40) |
// .System data key, AES-KWP wrapped (40) | salt_base (4012 random bytes, the salt of every secret-basis KDF).
import { PddbError } from '../errors.ts';
import { PAGE_SIZE } from './constants.ts';

export const KEY_PAGE_VERSION = 2;
const WRAPPED_LEN = 40;
export const SALT_BASE_AT = 4 + 2 * WRAPPED_LEN;

export interface KeyPage {
  wrappedPt: Uint8Array;
  wrappedData: Uint8Array;
  saltBase: Uint8Array;
}

export function encodeKeyPage(k: KeyPage): Uint8Array {
  const page = new Uint8Array(PAGE_SIZE);
  new DataView(page.buffer).setUint32(0, KEY_PAGE_VERSION, true);
  page.set(k.wrappedPt, 4);
  page.set(k.wrappedData, 4 + WRAPPED_LEN);
  page.set(k.saltBase, SALT_BASE_AT);
  return page;
}

export function decodeKeyPage(page: Uint8Array): KeyPage {
  const version = new DataView(page.buffer, page.byteOffset).getUint32(0, true);
  if (version !== KEY_PAGE_VERSION) {
    throw new PddbError(
      'BadImage',
      version === 0xffffffff || version === 0 ? 'the PDDB is not formatted' : 'unknown key page version',
    );
  }
  return {
    wrappedPt: page.slice(4, 4 + WRAPPED_LEN),
    wrappedData: page.slice(4 + WRAPPED_LEN, SALT_BASE_AT),
    saltBase: page.slice(SALT_BASE_AT, PAGE_SIZE),
  };
}
