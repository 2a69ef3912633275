// The original's BIP-39 entry mode for secrets: a mnemonic (checksum verified by @scure/bip39) stands for its
// entropy bytes, which become the stored base32 secret. Easier to copy by hand from paper than 32 base32 characters.
import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { VaultError } from '../records/errors.ts';
import { decodeSecret, encodeSecret } from './secret.ts';

export function secretFromMnemonic(mnemonic: string): string {
  const words = mnemonic.trim().toLowerCase().split(/\s+/).join(' ');
  try {
    return encodeSecret(mnemonicToEntropy(words, wordlist));
  } catch (e) {
    if (e instanceof VaultError) throw e;
    throw new VaultError('BadSecret', 'not a valid BIP-39 mnemonic (English words, 12 to 24, checksum)');
  }
}

/** The mnemonic for a secret whose length BIP-39 can carry (16 to 32 bytes, a multiple of 4). */
export function mnemonicFromSecret(base32: string): string {
  const bytes = decodeSecret(base32);
  if (bytes.length < 16 || bytes.length > 32 || bytes.length % 4 !== 0) {
    throw new VaultError('Unsupported', `BIP-39 carries 16 to 32 bytes in steps of 4; this secret has ${bytes.length}`);
  }
  return entropyToMnemonic(bytes, wordlist);
}
