// The emulated device keybox: a 1,024-byte image laid out like the Xous KEYROM (keyrom.ts), holding what the
// boot PIN needs to produce the User0 root key, and the chain that does it (root-keys hash_and_save_password,
// kwp_op and compute_key_rollback; tools/pddbcommon.py extract_keys reproduces it):
//   pepper    = PEPPER words as bytes, with pepper[0] ^= 1            (1 = PasswordType::Boot)
//   hashed    = SHA512/256(bcrypt_raw(cost 7, pepper, PIN + NUL))
//   user0     = USER_KEY words as bytes XOR hashed, then SHA512/256 applied (255 - GLOBAL_ROLLBACK) times
// As on the device, USER_KEY holds random words from provisioning: the User0 key is whatever the chain makes of
// them with the PIN, so it is as random as they are. Nothing in the keybox checks the PIN: a wrong PIN gives a
// wrong key, which the .System key unwrap then rejects (rootkeys.ts).
import type { Random } from '../../lib/random.ts';
import { bcryptPassword, BCRYPT_MAX_PASSWORD } from '../crypto/bcrypt.ts';
import { wipe } from '../crypto/bytes.ts';
import { BCRYPT_COST } from '../crypto/kdf.ts';
import { sha512_256 } from '@noble/hashes/sha2.js';
import { KeyboxError } from './errors.ts';
import {
  CONFIG_INITIALIZED,
  CONFIG_VERSION_MINOR_1,
  KEYROM_BYTES,
  KeyRomLoc,
  readKeyBytes,
  readWord,
  writeKeyBytes,
  writeWord,
} from './keyrom.ts';

export const USER0_KEY_LEN = 32;
/** MAX_ROLLBACK_LIMIT: a fresh device (rollback count 0) hashes its root keys 255 times. */
export const MAX_ROLLBACK = 255;
const BOOT_PASSWORD_TYPE = 1;

/**
 * Provision a keybox for `pin`: random USER_KEY and pepper (as root-keys does at key init), random stand-ins for
 * the update-password-encrypted FPGA key and signing secret (the emulator has no update password and signs
 * nothing), zero public keys and revision words, rollback count 0, CONFIG marked initialized.
 * Returns the keybox and the User0 key it yields with this PIN.
 */
export function createKeybox(pin: string, random: Random): { keybox: Uint8Array; user0Key: Uint8Array } {
  const pinBytes = encodePin(pin);
  try {
    const keybox = new Uint8Array(KEYROM_BYTES);
    for (const loc of [KeyRomLoc.FPGA_KEY, KeyRomLoc.SELFSIGN_PRIVKEY, KeyRomLoc.USER_KEY]) {
      const words = random.fill(new Uint8Array(32));
      writeKeyBytes(keybox, loc, words);
      words.fill(0);
    }
    writeKeyBytes(keybox, KeyRomLoc.PEPPER, random.fill(new Uint8Array(16)));
    writeWord(keybox, KeyRomLoc.GLOBAL_ROLLBACK, 0);
    writeWord(keybox, KeyRomLoc.CONFIG, CONFIG_INITIALIZED | CONFIG_VERSION_MINOR_1);
    return { keybox, user0Key: user0KeyFrom(keybox, pinBytes) };
  } finally {
    pinBytes.fill(0);
  }
}

/** The User0 key that `pin` yields from `keybox` (a wrong PIN yields a wrong key, detected at unwrap). */
export function unlockUser0(keybox: Uint8Array, pin: string): Uint8Array {
  checkKeybox(keybox);
  const pinBytes = encodePin(pin);
  try {
    return user0KeyFrom(keybox, pinBytes);
  } finally {
    pinBytes.fill(0);
  }
}

/** Throws KeyboxError('Malformed') unless `keybox` passes keyboxProblem. */
export function checkKeybox(keybox: Uint8Array): void {
  if (!(keybox instanceof Uint8Array) || keyboxProblem(keybox) !== undefined) throw new KeyboxError('Malformed');
}

/**
 * What is visibly wrong with a keybox, without the PIN (undefined when nothing is): its size, the CONFIG word, blank
 * key words. The keyrom layout has no checksum, so a flipped bit inside the User0 key words cannot be told from a
 * wrong PIN: both fail the .System key unwrap.
 */
export function keyboxProblem(keybox: Uint8Array): string | undefined {
  if (keybox.length !== KEYROM_BYTES) return `expected ${KEYROM_BYTES} bytes, found ${keybox.length}`;
  if ((readWord(keybox, KeyRomLoc.CONFIG) & CONFIG_INITIALIZED) === 0) {
    return `the CONFIG word (${KeyRomLoc.CONFIG}) does not mark a provisioned keyrom: not a keybox, or damaged`;
  }
  if (isErased(readKeyBytes(keybox, KeyRomLoc.USER_KEY, 8)))
    return `the User0 key words (${KeyRomLoc.USER_KEY}..${KeyRomLoc.USER_KEY + 7}) are erased (all 0xFF): damaged`;
  if (isErased(readKeyBytes(keybox, KeyRomLoc.PEPPER, 4)))
    return `the pepper words (${KeyRomLoc.PEPPER}..${KeyRomLoc.PEPPER + 3}) are erased (all 0xFF): damaged`;
  return undefined;
}

/** All ones: erased flash. (All zeros is not damage: the original's own renode test keybox has zero words.) */
function isErased(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0xff);
}

function user0KeyFrom(keybox: Uint8Array, pinBytes: Uint8Array): Uint8Array {
  const pepper = readKeyBytes(keybox, KeyRomLoc.PEPPER, 4);
  pepper[0] ^= BOOT_PASSWORD_TYPE;
  const bcrypted = bcryptPassword(BCRYPT_COST, pepper, pinBytes);
  const hashedPin = sha512_256(bcrypted);
  let key = readKeyBytes(keybox, KeyRomLoc.USER_KEY, 8);
  for (let i = 0; i < USER0_KEY_LEN; i++) key[i] ^= hashedPin[i];
  // The device caps the count at 255 (no hashing at all beyond it); the tool's 255 - count goes negative there
  // and hashes zero times too, so both agree for every value.
  const count = Math.min(readWord(keybox, KeyRomLoc.GLOBAL_ROLLBACK), MAX_ROLLBACK);
  for (let i = 0; i < MAX_ROLLBACK - count; i++) {
    const next = sha512_256(key);
    key.fill(0);
    key = next;
  }
  wipe(pepper, bcrypted, hashedPin);
  return key;
}

function encodePin(pin: string): Uint8Array {
  const bytes = new TextEncoder().encode(pin);
  if (bytes.length > BCRYPT_MAX_PASSWORD) {
    bytes.fill(0);
    throw new KeyboxError('InvalidPin');
  }
  return bytes;
}
