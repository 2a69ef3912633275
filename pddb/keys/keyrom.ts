// The layout of the Xous KEYROM, which the emulated keybox copies: 256 32-bit words (services/root-keys
// implementation.rs KeyRomLocs). A keybox file is the words as a little-endian u32 array, the way root-keys dumps
// the keyrom into a backup (backups.rs KeyRomExport) and the way tools/pddbcommon.py reads it: key material is
// each word's big-endian bytes (root-keys read_key_256: word.to_be_bytes(); the tool: int.from_bytes(4 file
// bytes, 'big').to_bytes(4, 'little'), the same byte reversal), while plain numbers such as the rollback counter
// are read as the word itself (the tool: int.from_bytes(file bytes, 'little')).

export const KEYROM_BYTES = 1024;
export const KEYROM_WORDS = 256;

/** Word indices (KeyRomLocs). */
export const KeyRomLoc = {
  /** FPGA bitstream key, XORed with the hashed update password (8 words). */
  FPGA_KEY: 0x00,
  /** Self-signing Ed25519 root secret, XORed with the hashed update password (8 words). */
  SELFSIGN_PRIVKEY: 0x08,
  /** Self-signing public key (8 words). */
  SELFSIGN_PUBKEY: 0x10,
  /** Developer public key (8 words). */
  DEVELOPER_PUBKEY: 0x18,
  /** Third-party public key (8 words). */
  THIRDPARTY_PUBKEY: 0x20,
  /** User0 "boot key": random at provisioning; the PIN chain turns it into the key that wraps .System (8 words). */
  USER_KEY: 0x28,
  /** bcrypt salt for the device's passwords, XORed with the password type in its first byte (4 words). */
  PEPPER: 0xf8,
  FPGA_MIN_REV: 0xfc,
  LOADER_MIN_REV: 0xfd,
  /** Anti-rollback count: keys are hashed (255 - count) times. */
  GLOBAL_ROLLBACK: 0xfe,
  CONFIG: 0xff,
} as const;

/** CONFIG bits as the word holds them: root-keys KeyField::ms() byte-swaps each field (value.to_be()). */
export const CONFIG_INITIALIZED = 0x0000_0008; // INITIALIZED, bit 27 before the swap
export const CONFIG_VERSION_MINOR_1 = 0x0100_0000; // VERSION_MINOR = 1, as in the original's renode keybox

/** The big-endian bytes of `words` consecutive words from `index` (key material). */
export function readKeyBytes(keyrom: Uint8Array, index: number, words: number): Uint8Array {
  const out = new Uint8Array(words * 4);
  for (let w = 0; w < words; w++) {
    const at = (index + w) * 4;
    for (let b = 0; b < 4; b++) out[w * 4 + b] = keyrom[at + 3 - b];
  }
  return out;
}

/** Store key material as readKeyBytes gives it back (length a multiple of 4). */
export function writeKeyBytes(keyrom: Uint8Array, index: number, bytes: Uint8Array): void {
  if (bytes.length % 4 !== 0) throw new RangeError('keyrom key material is whole words');
  for (let w = 0; w < bytes.length / 4; w++) {
    const at = (index + w) * 4;
    for (let b = 0; b < 4; b++) keyrom[at + 3 - b] = bytes[w * 4 + b];
  }
}

/** A word as a number. */
export function readWord(keyrom: Uint8Array, index: number): number {
  const at = index * 4;
  return (keyrom[at] | (keyrom[at + 1] << 8) | (keyrom[at + 2] << 16) | (keyrom[at + 3] << 24)) >>> 0;
}

export function writeWord(keyrom: Uint8Array, index: number, value: number): void {
  const at = index * 4;
  keyrom[at] = value;
  keyrom[at + 1] = value >>> 8;
  keyrom[at + 2] = value >>> 16;
  keyrom[at + 3] = value >>> 24;
}
