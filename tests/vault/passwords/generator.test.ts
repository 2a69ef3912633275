import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../lib/random.ts';
import { generatePassphrase, generatePassword } from '../../../vault/passwords/generator.ts';
import { mnemonicFromSecret, secretFromMnemonic } from '../../../vault/totp/bip39-secret.ts';
import { wordlist } from '@scure/bip39/wordlists/english.js';

describe('password generator', () => {
  it("defaults to the original's: 20 characters, every class present, no look-alikes, no spaces", () => {
    const rng = new SeededRandom('gen');
    for (let i = 0; i < 200; i++) {
      const p = generatePassword(rng);
      expect(p).toHaveLength(20);
      expect(p).toMatch(/[0-9]/);
      expect(p).toMatch(/[a-z]/);
      expect(p).toMatch(/[A-Z]/);
      expect(p).toMatch(/[^0-9a-zA-Z]/);
      expect(p).not.toMatch(/[iIlL1|oO0'"` ]/);
    }
  });

  it('honours the class switches and lengths 1..128; impossible requests are typed errors', () => {
    const rng = new SeededRandom('gen2');
    expect(generatePassword(rng, { length: 128, symbols: false, uppercase: false, lowercase: false })).toMatch(
      /^[2-9]{128}$/,
    );
    expect(generatePassword(rng, { length: 1, numbers: false, symbols: false, uppercase: false })).toMatch(/^[a-z]$/);
    for (const bad of [
      { length: 0 },
      { length: 129 },
      { length: 2 },
      { numbers: false, lowercase: false, uppercase: false, symbols: false },
      { length: 1.5 },
    ]) {
      expect(() => generatePassword(rng, bad)).toThrow(/InvalidInput/);
    }
  });

  it('draws characters uniformly (chi-square over 60,000 digits)', () => {
    const rng = new SeededRandom('uniform');
    const counts = new Map<string, number>();
    for (let i = 0; i < 600; i++) {
      for (const ch of generatePassword(rng, {
        length: 100,
        lowercase: false,
        uppercase: false,
        symbols: false,
        excludeSimilar: false,
      })) {
        counts.set(ch, (counts.get(ch) ?? 0) + 1);
      }
    }
    const expected = 6000;
    const chi = [...counts.values()].reduce((s, n) => s + (n - expected) ** 2 / expected, 0);
    expect(counts.size).toBe(10);
    expect(chi).toBeLessThan(27.9); // p = 0.001, 9 degrees of freedom
  });

  it('passphrases come from the BIP-39 English list', () => {
    const p = generatePassphrase(new SeededRandom('pp'), 7, ' ');
    const words = p.split(' ');
    expect(words).toHaveLength(7);
    for (const w of words) expect(wordlist).toContain(w);
    expect(() => generatePassphrase(new SeededRandom('x'), 0)).toThrow(/InvalidInput/);
  });

  it('BIP-39 entry mode: a mnemonic stands for its entropy (BIP-39 test vector), bad checksums refused', () => {
    const m = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
    const secret = secretFromMnemonic(m.toUpperCase());
    expect(Buffer.from(require32(secret)).toString('hex')).toBe('7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f');
    expect(mnemonicFromSecret(secret)).toBe(m);
    expect(() =>
      secretFromMnemonic('legal winner thank year wave sausage worth useful legal winner thank thank'),
    ).toThrow(/BadSecret/);
    expect(() => mnemonicFromSecret('JBSWY3DPEHPK3PXP')).toThrow(/Unsupported/);
  });
});

function require32(s: string): Uint8Array {
  // Independent base32 decode (RFC 4648) so the test does not check our code with itself.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of s) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  return new Uint8Array(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
}
