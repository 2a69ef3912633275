// An independent re-implementation of the .System part of tools/pddbcommon.py extract_keys (xous-core), line by
// line, from node:crypto and the vector-tested bcryptRaw: what the original's own tooling would recover from a
// keybox and the two wrapped keys of a key page.
import { createDecipheriv, createHash } from 'node:crypto';
import { bcryptRaw } from '../../../pddb/crypto/bcrypt.ts';

function getKey(index: number, keyrom: Buffer, length: number): number[] {
  const ret: number[] = [];
  for (let offset = 0; offset < length / 4; offset++) {
    const word = keyrom.readUInt32BE((index + offset) * 4); // int.from_bytes(..., 'big')
    const le = Buffer.alloc(4);
    le.writeUInt32LE(word); // word.to_bytes(4, 'little')
    ret.push(...le);
  }
  return ret;
}

const sha512_256 = (data: Uint8Array) => createHash('sha512-256').update(data).digest();

/** The User0 key the tool computes (None-PIN case left out). */
export function referenceUserKey(keyromBytes: Uint8Array, bootPw: string): Buffer {
  const keyrom = Buffer.from(keyromBytes);
  const userKeyEnc = getKey(40, keyrom, 32);
  const pepper = getKey(248, keyrom, 16);
  pepper[0] = pepper[0] ^ 1;
  const bootPwArray = Buffer.alloc(73);
  let pwLen = 0;
  for (const b of Buffer.from(bootPw, 'utf8')) bootPwArray[pwLen++] = b;
  pwLen += 1;
  const hashedPw = bcryptRaw(7, Uint8Array.from(pepper), bootPwArray.subarray(0, pwLen));
  const userPw = sha512_256(hashedPw);
  let userKey = Buffer.from(userKeyEnc.map((a, i) => a ^ userPw[i]));
  const rollbackLimit = 255 - keyrom.readUInt32LE(254 * 4); // int.from_bytes(..., 'little')
  for (let i = 0; i < rollbackLimit; i++) userKey = sha512_256(userKey);
  return userKey;
}

/** cryptography's aes_key_unwrap_with_padding, via OpenSSL's RFC 5649 implementation; throws on failure. */
export function referenceUnwrap(kek: Uint8Array, wrapped: Uint8Array): Buffer {
  const d = createDecipheriv('id-aes256-wrap-pad', kek, Buffer.from('a65959a6', 'hex'));
  return Buffer.concat([d.update(wrapped), d.final()]);
}
