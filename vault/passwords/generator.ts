// Password generator with the original's defaults (20 characters; numbers, lowercase, uppercase and symbols; no
// spaces; look-alike characters excluded; at least one of each chosen class) and options (length 1..128, the four
// class switches). Characters are drawn uniformly from the chosen set with an unbiased draw (rejection sampling in
// lib/random), and a draw missing a chosen class is redrawn whole, so every valid password is equally likely.
// Passphrase mode draws words uniformly from the BIP-39 English list (2048 words, 11 bits each).
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { randomBelow, type Random } from '../../lib/random.ts';
import { VaultError } from '../records/errors.ts';

export interface GeneratorOptions {
  length?: number;
  numbers?: boolean;
  lowercase?: boolean;
  uppercase?: boolean;
  symbols?: boolean;
  /** Exclude characters that are easy to confuse when read or typed by hand (default true). */
  excludeSimilar?: boolean;
}

export const GENERATOR_DEFAULTS: Required<GeneratorOptions> = {
  length: 20,
  numbers: true,
  lowercase: true,
  uppercase: true,
  symbols: true,
  excludeSimilar: true,
};
export const LENGTH_MAX = 128;

const CLASSES = {
  numbers: '0123456789',
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  symbols: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
} as const;
/** Look-alikes: one, ell, eye, pipe; zero and oh; quotes and backtick. */
const SIMILAR = new Set('iIlL1|oO0\'"`');

export function generatePassword(random: Random, opts: GeneratorOptions = {}): string {
  // An option left undefined takes its default (a spread would copy the undefined over it).
  const o = { ...GENERATOR_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) };
  if (!Number.isInteger(o.length) || o.length < 1 || o.length > LENGTH_MAX)
    throw new VaultError('InvalidInput', `length must be 1 to ${LENGTH_MAX}`);
  const sets = (Object.keys(CLASSES) as (keyof typeof CLASSES)[])
    .filter((c) => o[c])
    .map((c) => [...CLASSES[c]].filter((ch) => !(o.excludeSimilar && SIMILAR.has(ch))));
  if (sets.length === 0) throw new VaultError('InvalidInput', 'choose at least one character class');
  if (o.length < sets.length)
    throw new VaultError('InvalidInput', `length ${o.length} cannot hold one of each of ${sets.length} classes`);
  const alphabet = sets.flat();
  for (;;) {
    const chars = Array.from({ length: o.length }, () => alphabet[randomBelow(random, alphabet.length)]);
    if (sets.every((set) => chars.some((ch) => set.includes(ch)))) return chars.join('');
  }
}

export const PASSPHRASE_WORDS_MAX = 64;

export function generatePassphrase(random: Random, words = 6, separator = '-'): string {
  if (!Number.isInteger(words) || words < 1 || words > PASSPHRASE_WORDS_MAX)
    throw new VaultError('InvalidInput', `words must be 1 to ${PASSPHRASE_WORDS_MAX}`);
  if (/[\n\r\0]/.test(separator)) throw new VaultError('InvalidInput', 'the separator cannot hold a newline or NUL');
  return Array.from({ length: words }, () => wordlist[randomBelow(random, wordlist.length)]).join(separator);
}
