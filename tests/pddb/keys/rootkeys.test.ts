import { describe, expect, it } from 'vitest';
import { SeededRandom, randomBytes } from '../../../lib/random.ts';
import { KeyboxError } from '../../../pddb/keys/errors.ts';
import { createKeybox, unlockUser0 } from '../../../pddb/keys/keybox.ts';
import { unwrapSystemKeys, wrapSystemKeys } from '../../../pddb/keys/rootkeys.ts';
import { hex } from '../crypto/hex.ts';
import { referenceUnwrap, referenceUserKey } from './extract-keys-reference.ts';

const PIN = '123456';

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
}

function setup(seed: string) {
  const rng = new SeededRandom(seed);
  const { keybox, user0Key } = createKeybox(PIN, rng);
  const keys = { pt: randomBytes(rng, 32), data: randomBytes(rng, 32) };
  return { keybox, user0Key, keys, wrapped: wrapSystemKeys(user0Key, keys) };
}

describe('.System keys wrapped under User0', () => {
  it('round-trips through the keybox and the boot PIN', () => {
    const { keybox, keys, wrapped } = setup('round-trip');
    expect(wrapped.ptWrapped40.length).toBe(40);
    expect(wrapped.dataWrapped40.length).toBe(40);
    const back = unwrapSystemKeys(unlockUser0(keybox, PIN), wrapped);
    expect(hex(back.pt)).toBe(hex(keys.pt));
    expect(hex(back.data)).toBe(hex(keys.data));
  });

  it("opens with the original's tooling: extract_keys' User0 chain + aes_key_unwrap_with_padding", () => {
    const { keybox, keys, wrapped } = setup('tooling');
    const userKey = referenceUserKey(keybox, PIN);
    expect(hex(referenceUnwrap(userKey, wrapped.ptWrapped40))).toBe(hex(keys.pt));
    expect(hex(referenceUnwrap(userKey, wrapped.dataWrapped40))).toBe(hex(keys.data));
  });

  it('denies a wrong PIN with AccessDenied and nothing else', () => {
    const { keybox, keys, wrapped } = setup('wrong-pin');
    for (const wrong of ['', '12345', '1234567', '123457', 'a']) {
      const err = caught(() => unwrapSystemKeys(unlockUser0(keybox, wrong), wrapped));
      expect(err).toBeInstanceOf(KeyboxError);
      expect((err as KeyboxError).code).toBe('AccessDenied');
      const shown = `${String(err)} ${JSON.stringify(err)} ${(err as Error).stack}`;
      for (const secret of [wrong || 'never', PIN, hex(keys.pt).slice(0, 8), hex(keys.data).slice(0, 8)]) {
        if (secret.length > 1) expect(shown).not.toContain(secret);
      }
    }
  });

  it('denies tampered wrapped keys (either one) and refuses wrong sizes as Malformed', () => {
    const { user0Key, wrapped } = setup('tamper');
    for (const field of ['ptWrapped40', 'dataWrapped40'] as const) {
      for (let i = 0; i < 40; i++) {
        const bad = { ...wrapped, [field]: wrapped[field].slice() };
        bad[field][i] ^= 1;
        expect((caught(() => unwrapSystemKeys(user0Key, bad)) as KeyboxError).code).toBe('AccessDenied');
      }
      for (const n of [0, 32, 39, 41, 48]) {
        const bad = { ...wrapped, [field]: new Uint8Array(n) };
        expect((caught(() => unwrapSystemKeys(user0Key, bad)) as KeyboxError).code).toBe('Malformed');
      }
    }
  });

  it('rejects keys of the wrong size (a caller bug)', () => {
    expect(() => wrapSystemKeys(new Uint8Array(31), { pt: new Uint8Array(32), data: new Uint8Array(32) })).toThrow(
      RangeError,
    );
    expect(() => wrapSystemKeys(new Uint8Array(32), { pt: new Uint8Array(16), data: new Uint8Array(32) })).toThrow(
      RangeError,
    );
  });
});
