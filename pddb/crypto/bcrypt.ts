// Raw bcrypt as the Xous PDDB and root-keys use it (services/pddb/src/backend/bcrypt.rs): EksBlowfish setup, then
// "OrpheanBeholderScryDoubt" encrypted 64 times, and ALL 24 output bytes returned (six words, each big-endian).
// Password-hashing libraries only give the 23-byte, base64-encoded form, hence this small implementation.
import { BLOWFISH_INIT, P_WORDS, S_WORDS } from './blowfish-init.ts';

export const BCRYPT_SALT_LEN = 16;
export const BCRYPT_OUTPUT_LEN = 24;
/** The longest password the original hashes in full; longer ones are cut to this (api.rs PASSWORD_LEN). */
export const BCRYPT_MAX_PASSWORD = 72;

// "OrpheanBeholderScryDoubt" as six big-endian words.
const MAGIC = [0x4f727068, 0x65616e42, 0x65686f6c, 0x64657253, 0x63727944, 0x6f756274];

/**
 * The key bytes the original feeds to bcrypt for a password: the password plus a NUL when it has at most 72
 * bytes (so exactly 72 bytes gives 73 key bytes, of which Blowfish reads only the first 72), otherwise its first
 * 72 bytes with no NUL. A fresh array: the caller wipes it.
 */
export function bcryptPasswordKey(password: Uint8Array): Uint8Array {
  if (password.length > BCRYPT_MAX_PASSWORD) return password.slice(0, BCRYPT_MAX_PASSWORD);
  const key = new Uint8Array(password.length + 1);
  key.set(password);
  return key;
}

/** bcrypt of a password under the original's key rule; the key copy is wiped before returning. */
export function bcryptPassword(cost: number, salt: Uint8Array, password: Uint8Array): Uint8Array {
  const key = bcryptPasswordKey(password);
  try {
    return bcryptRaw(cost, salt, key);
  } finally {
    key.fill(0);
  }
}

/**
 * bcrypt_raw(cost, salt, key) -> 24 bytes. `key` is used as given (no NUL added): Blowfish reads it cyclically,
 * 72 bytes per key schedule, as the blowfish crate and OpenBSD do. cost in 0..31 (the original asserts < 32).
 */
export function bcryptRaw(cost: number, salt: Uint8Array, key: Uint8Array): Uint8Array {
  if (!Number.isInteger(cost) || cost < 0 || cost > 31) throw new RangeError('bcrypt: cost must be 0..31');
  if (salt.length !== BCRYPT_SALT_LEN) throw new RangeError('bcrypt: salt must be 16 bytes');
  if (key.length === 0) throw new RangeError('bcrypt: empty key');

  // Int32Array: the round function's sums wrap correctly under `^` and `| 0`, and V8 keeps them as small ints.
  const P = new Int32Array(BLOWFISH_INIT.buffer, 0, P_WORDS).slice();
  const S = new Int32Array(BLOWFISH_INIT.buffer, P_WORDS * 4, S_WORDS).slice();
  // The key schedule always restarts the key stream at byte 0, so the 18 words it XORs into P never change:
  // compute them (and the salt's) once instead of 2 * 2^cost times.
  const keyWords = streamWords(key);
  const saltKeyWords = streamWords(salt);
  const saltWords = saltKeyWords.subarray(0, 4);
  const lr = new Int32Array(2);

  expand(P, S, keyWords, saltWords, lr);
  const rounds = 2 ** cost;
  for (let i = 0; i < rounds; i++) {
    expand(P, S, keyWords, null, lr);
    expand(P, S, saltKeyWords, null, lr);
  }

  const out = new Uint8Array(BCRYPT_OUTPUT_LEN);
  for (let w = 0; w < 6; w += 2) {
    lr[0] = MAGIC[w];
    lr[1] = MAGIC[w + 1];
    for (let i = 0; i < 64; i++) encipher(lr, P, S);
    writeBE(out, w * 4, lr[0]);
    writeBE(out, w * 4 + 4, lr[1]);
  }

  P.fill(0);
  S.fill(0);
  keyWords.fill(0);
  saltKeyWords.fill(0);
  lr.fill(0);
  return out;
}

/** The first 18 big-endian words of `bytes` repeated cyclically (Blowfish's key stream). */
function streamWords(bytes: Uint8Array): Int32Array {
  const words = new Int32Array(P_WORDS);
  let at = 0;
  for (let i = 0; i < P_WORDS; i++) {
    let w = 0;
    for (let j = 0; j < 4; j++) {
      w = (w << 8) | bytes[at];
      at = at + 1 === bytes.length ? 0 : at + 1;
    }
    words[i] = w;
  }
  return words;
}

/**
 * One (salted) key expansion: XOR the key words into P, then re-encrypt P and S in place, chaining a block that,
 * when `salt` is given, absorbs the salt's four words alternately (words 0,1 then 2,3) before each encryption.
 */
function expand(P: Int32Array, S: Int32Array, keyWords: Int32Array, salt: Int32Array | null, lr: Int32Array): void {
  for (let i = 0; i < P_WORDS; i++) P[i] ^= keyWords[i];
  lr[0] = 0;
  lr[1] = 0;
  let s = 0;
  for (let i = 0; i < P_WORDS; i += 2) {
    if (salt !== null) {
      lr[0] ^= salt[s];
      lr[1] ^= salt[s + 1];
      s ^= 2;
    }
    encipher(lr, P, S);
    P[i] = lr[0];
    P[i + 1] = lr[1];
  }
  for (let i = 0; i < S_WORDS; i += 2) {
    if (salt !== null) {
      lr[0] ^= salt[s];
      lr[1] ^= salt[s + 1];
      s ^= 2;
    }
    encipher(lr, P, S);
    S[i] = lr[0];
    S[i + 1] = lr[1];
  }
}

/** Blowfish encryption of the block in lr (16 rounds, halves swapped back at the end). */
function encipher(lr: Int32Array, P: Int32Array, S: Int32Array): void {
  let l = lr[0] ^ P[0];
  let r = lr[1];
  for (let i = 1; i < 17; i += 2) {
    r ^=
      (((S[l >>> 24] + S[0x100 | ((l >>> 16) & 0xff)]) ^ S[0x200 | ((l >>> 8) & 0xff)]) + S[0x300 | (l & 0xff)]) ^ P[i];
    l ^=
      (((S[r >>> 24] + S[0x100 | ((r >>> 16) & 0xff)]) ^ S[0x200 | ((r >>> 8) & 0xff)]) + S[0x300 | (r & 0xff)]) ^
      P[i + 1];
  }
  lr[0] = r ^ P[17];
  lr[1] = l;
}

function writeBE(out: Uint8Array, at: number, w: number): void {
  out[at] = w >>> 24;
  out[at + 1] = w >>> 16;
  out[at + 2] = w >>> 8;
  out[at + 3] = w;
}
