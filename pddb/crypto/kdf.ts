// Secret-basis keys from (name, password), exactly as the original derives them (hw.rs basis_derive_key, and
// tools/pddbcommon.py extract_keys which reproduces it):
//   salt  = SHA512/256(salt_base[32..] | name zero-padded to 64 | password zero-padded to 73)[0..16]
//   h     = bcrypt_raw(cost 7, salt, password + NUL)            (24 bytes)
//   pt    = HKDF-SHA256(salt = salt_base[0..32], ikm = h, info "pddb page table key")   (32 bytes)
//   data  = HKDF-SHA256(salt = salt_base[0..32], ikm = h, info "pddb data key")         (32 bytes)
// salt_base is the 4,012 random bytes of the key page. Nothing is stored per basis: a wrong password derives keys
// that decrypt nothing.
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256, sha512_256 } from '@noble/hashes/sha2.js';
import { bcryptPassword, BCRYPT_MAX_PASSWORD } from './bcrypt.ts';
import { expectLength, wipe } from './bytes.ts';
import { KdfError } from './errors.ts';

export const BCRYPT_COST = 7;
/** StaticCryptoData.salt_base: the key page less version (4) and two wrapped keys (2 x 40). */
export const SALT_BASE_LEN = 4096 - 4 - 2 * 40;
/** BASIS_NAME_LEN - 1: the name field is 64 bytes and the original refuses names that fill it. */
export const BASIS_NAME_MAX = 63;
export const BASIS_PASSWORD_MAX = BCRYPT_MAX_PASSWORD;

const NAME_FIELD = 64;
const PASSWORD_FIELD = 73;
const HKDF_SALT_LEN = 32;
const INFO_PT = new TextEncoder().encode('pddb page table key');
const INFO_DATA = new TextEncoder().encode('pddb data key');

/** A basis's two AES-256 keys: page-table entries (ECB) and data pages (GCM-SIV). */
export interface BasisKeys {
  pt: Uint8Array;
  data: Uint8Array;
}

/**
 * The basis keys for `name` and `password` (UTF-8). Throws KdfError for a name over 63 bytes or a password over
 * 72 bytes: the original refuses such names; it silently cuts such passwords to their first 72 bytes, which the
 * reference tool cannot reproduce, so they are refused here rather than made into images only the device reads.
 */
export function deriveBasisKeys(saltBase: Uint8Array, name: string, password: string | Uint8Array): BasisKeys {
  const pw = typeof password === 'string' ? new TextEncoder().encode(password) : password;
  try {
    const h = basisBcrypt(saltBase, name, pw);
    const ikmSalt = saltBase.subarray(0, HKDF_SALT_LEN);
    const keys = { pt: hkdf(sha256, h, ikmSalt, INFO_PT, 32), data: hkdf(sha256, h, ikmSalt, INFO_DATA, 32) };
    h.fill(0);
    return keys;
  } finally {
    if (pw !== password) pw.fill(0);
  }
}

/** Step 2: the 24-byte bcrypt output for a basis (exported for the reference vectors). */
export function basisBcrypt(saltBase: Uint8Array, name: string, password: Uint8Array): Uint8Array {
  const salt = basisSalt(saltBase, name, password);
  try {
    return bcryptPassword(BCRYPT_COST, salt, password);
  } finally {
    salt.fill(0);
  }
}

/** Step 1: the 16-byte bcrypt salt for a basis. */
export function basisSalt(saltBase: Uint8Array, name: string, password: Uint8Array): Uint8Array {
  expectLength(saltBase, SALT_BASE_LEN, 'salt_base');
  if (password.length > BASIS_PASSWORD_MAX) throw new KdfError('PasswordTooLong');
  const nameBytes = new TextEncoder().encode(name);
  if (nameBytes.length > BASIS_NAME_MAX) {
    nameBytes.fill(0);
    throw new KdfError('NameTooLong');
  }
  // The fixed-size, zero-filled copies the original hashes: the name in 64 bytes, the password in 73 (so at
  // least one NUL always follows it).
  const nameField = new Uint8Array(NAME_FIELD);
  nameField.set(nameBytes);
  const pwField = new Uint8Array(PASSWORD_FIELD);
  pwField.set(password);
  const digest = sha512_256
    .create()
    .update(saltBase.subarray(HKDF_SALT_LEN))
    .update(nameField)
    .update(pwField)
    .digest();
  const salt = digest.slice(0, 16);
  // Wipe the copies, the name's too, as hw.rs does: a secret basis's name is itself a secret.
  wipe(nameBytes, nameField, pwField, digest);
  return salt;
}
