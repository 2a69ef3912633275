import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SeededRandom, type Random } from '../../../lib/random.ts';
import { KeyboxError } from '../../../pddb/keys/errors.ts';
import { checkKeybox, createKeybox, keyboxProblem, unlockUser0 } from '../../../pddb/keys/keybox.ts';
import { KeyRomLoc, readKeyBytes, readWord, writeWord } from '../../../pddb/keys/keyrom.ts';
import { hex } from '../crypto/hex.ts';
import { referenceUserKey } from './extract-keys-reference.ts';

const PIN = '4321';
const sha = (b: Uint8Array) => new Uint8Array(createHash('sha512-256').update(b).digest());

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
}

describe('emulated keybox', () => {
  it('is 1,024 bytes in the keyrom layout: random secrets, zero public keys, rollback 0, initialized', () => {
    const { keybox } = createKeybox(PIN, new SeededRandom('layout'));
    expect(keybox.length).toBe(1024);
    const words = (from: number, n: number) => Array.from({ length: n }, (_, i) => readWord(keybox, from + i));
    for (const loc of [KeyRomLoc.FPGA_KEY, KeyRomLoc.SELFSIGN_PRIVKEY, KeyRomLoc.USER_KEY]) {
      expect(words(loc, 8).filter((w) => w !== 0).length).toBeGreaterThan(5);
    }
    expect(words(KeyRomLoc.PEPPER, 4).filter((w) => w !== 0).length).toBeGreaterThan(2);
    expect(words(KeyRomLoc.SELFSIGN_PUBKEY, 24).every((w) => w === 0)).toBe(true); // public keys 16..39
    expect(words(48, 200).every((w) => w === 0)).toBe(true);
    expect(words(KeyRomLoc.FPGA_MIN_REV, 3)).toEqual([0, 0, 0]); // min revs, rollback
    expect(readWord(keybox, KeyRomLoc.CONFIG)).toBe(0x0100_0008);
  });

  it('takes all its randomness from the injected Random, in keyrom byte order', () => {
    const taken: Uint8Array[] = [];
    const recording: Random = {
      fill(out) {
        new SeededRandom(`r${taken.length}`).fill(out);
        taken.push(out.slice());
        return out;
      },
    };
    const { keybox } = createKeybox(PIN, recording);
    expect(taken.map((t) => t.length)).toEqual([32, 32, 32, 16]);
    expect(hex(readKeyBytes(keybox, KeyRomLoc.FPGA_KEY, 8))).toBe(hex(taken[0]));
    expect(hex(readKeyBytes(keybox, KeyRomLoc.SELFSIGN_PRIVKEY, 8))).toBe(hex(taken[1]));
    expect(hex(readKeyBytes(keybox, KeyRomLoc.USER_KEY, 8))).toBe(hex(taken[2]));
    expect(hex(readKeyBytes(keybox, KeyRomLoc.PEPPER, 4))).toBe(hex(taken[3]));
    // Key material is each word's big-endian bytes; the file holds the words little-endian.
    expect(Array.from(keybox.subarray(0xa0, 0xa4))).toEqual(Array.from(taken[2].subarray(0, 4)).reverse());
    // Same seed, same keybox.
    expect(hex(createKeybox(PIN, new SeededRandom('same')).keybox)).toBe(
      hex(createKeybox(PIN, new SeededRandom('same')).keybox),
    );
  });

  it('unlocks the same User0 key with the same PIN, another with any other PIN', () => {
    const { keybox, user0Key } = createKeybox(PIN, new SeededRandom('unlock'));
    expect(user0Key.length).toBe(32);
    expect(hex(unlockUser0(keybox, PIN))).toBe(hex(user0Key));
    for (const wrong of ['', '432', '43210', '4322', ' 4321'])
      expect(hex(unlockUser0(keybox, wrong))).not.toBe(hex(user0Key));
  });

  it("gives the key that the original's extract_keys chain recovers (tools/pddbcommon.py, re-implemented)", () => {
    for (const [seed, pin] of [
      ['a', '4321'],
      ['b', ''],
      ['c', 'correct horse battery staple'],
      ['d', 'p\u00efn\u{1f510}'],
      ['e', 'x'.repeat(72)],
    ]) {
      const { keybox, user0Key } = createKeybox(pin, new SeededRandom(seed));
      expect(hex(user0Key)).toBe(hex(referenceUserKey(keybox, pin)));
    }
  });

  it('hashes the key (255 - rollback count) times, as the device and the tool do', () => {
    const { keybox, user0Key } = createKeybox(PIN, new SeededRandom('rollback'));
    const rolled = keybox.slice();
    writeWord(rolled, KeyRomLoc.GLOBAL_ROLLBACK, 3);
    const k3 = unlockUser0(rolled, PIN);
    expect(hex(k3)).toBe(hex(referenceUserKey(rolled, PIN)));
    expect(hex(sha(sha(sha(k3))))).toBe(hex(user0Key)); // an older key is computable from a newer one only
    // At 255 and beyond (the device caps at 255): no hashing at all, just encrypted key XOR hashed PIN.
    writeWord(rolled, KeyRomLoc.GLOBAL_ROLLBACK, 255);
    const k255 = unlockUser0(rolled, PIN);
    writeWord(rolled, KeyRomLoc.GLOBAL_ROLLBACK, 0xffff_ffff);
    expect(hex(unlockUser0(rolled, PIN))).toBe(hex(k255));
    expect(hex(referenceUserKey(rolled, PIN))).toBe(hex(k255));
  });

  it('refuses a malformed keybox with KeyboxError Malformed', () => {
    const { keybox } = createKeybox(PIN, new SeededRandom('malformed'));
    for (const bad of [new Uint8Array(0), keybox.subarray(0, 1023), new Uint8Array(1025), new Uint8Array(1024)]) {
      const err = caught(() => unlockUser0(bad, PIN));
      expect(err).toBeInstanceOf(KeyboxError);
      expect((err as KeyboxError).code).toBe('Malformed');
    }
    expect((caught(() => unlockUser0('x' as unknown as Uint8Array, PIN)) as KeyboxError).code).toBe('Malformed');
  });

  it("reads CONFIG as the original's own renode keybox holds it (emulation/renode-keybox.bin, word 255)", () => {
    const box = new Uint8Array(1024);
    box.set([0x08, 0x00, 0x00, 0x01], 255 * 4);
    expect(() => checkKeybox(box)).not.toThrow();
  });

  it('refuses PINs over 72 bytes (InvalidPin) and accepts 72', () => {
    const rng = new SeededRandom('pin-length');
    expect(() => createKeybox('9'.repeat(72), rng)).not.toThrow();
    const long = '9'.repeat(73);
    expect((caught(() => createKeybox(long, rng)) as KeyboxError).code).toBe('InvalidPin');
    const { keybox } = createKeybox(PIN, rng);
    expect((caught(() => unlockUser0(keybox, '\u00e9'.repeat(37))) as KeyboxError).code).toBe('InvalidPin');
  });

  it('never puts the PIN or key material in an error', () => {
    const pin = 'secret-pin-0000-'.repeat(5);
    const { keybox, user0Key } = createKeybox(PIN, new SeededRandom('errors'));
    for (const f of [
      () => unlockUser0(keybox, pin),
      () => createKeybox(pin, new SeededRandom(1)),
      () => unlockUser0(keybox.subarray(1), PIN),
    ]) {
      const err = caught(f) as Error;
      const shown = `${String(err)} ${JSON.stringify(err)} ${err.stack}`;
      expect(shown).not.toContain('secret-pin');
      expect(shown).not.toContain(PIN);
      expect(shown).not.toContain(hex(user0Key).slice(0, 8));
    }
  });

  it('names the damage it can see without the PIN: size, CONFIG, erased key words; a flipped key bit it cannot', () => {
    const { keybox } = createKeybox(PIN, new SeededRandom('problems'));
    expect(keyboxProblem(keybox)).toBeUndefined();
    expect(keyboxProblem(keybox.subarray(0, 1000))).toBe('expected 1024 bytes, found 1000');
    const unprovisioned = keybox.slice();
    writeWord(unprovisioned, KeyRomLoc.CONFIG, 0);
    expect(keyboxProblem(unprovisioned)).toMatch(/CONFIG word \(255\) does not mark a provisioned keyrom/);
    for (const [loc, words, what] of [
      [KeyRomLoc.USER_KEY, 8, 'User0 key'],
      [KeyRomLoc.PEPPER, 4, 'pepper'],
    ] as const) {
      const erased = keybox.slice();
      for (let w = 0; w < words; w++) writeWord(erased, loc + w, 0xffffffff);
      expect(keyboxProblem(erased)).toMatch(new RegExp(`the ${what} words .* are erased`));
      expect(caught(() => checkKeybox(erased))).toBeInstanceOf(KeyboxError);
    }
    const flipped = keybox.slice();
    flipped[KeyRomLoc.USER_KEY * 4] ^= 1;
    expect(keyboxProblem(flipped)).toBeUndefined(); // the layout has no checksum: this reads as a wrong PIN
  });
});
