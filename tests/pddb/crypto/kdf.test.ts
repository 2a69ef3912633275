import { createHash, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bcryptRaw } from '../../../pddb/crypto/bcrypt.ts';
import { KdfError } from '../../../pddb/crypto/errors.ts';
import { SALT_BASE_LEN, basisBcrypt, basisSalt, deriveBasisKeys } from '../../../pddb/crypto/kdf.ts';
import { hex } from './hex.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const SALT_BASE = Uint8Array.from({ length: SALT_BASE_LEN }, (_, i) => i % 256);

/** hw.rs basis_derive_key / pddbcommon.py extract_keys, re-done from node:crypto and the vector-tested bcrypt. */
function reference(saltBase: Uint8Array, name: string, password: string) {
  const nameField = Buffer.alloc(64);
  Buffer.from(name, 'utf8').copy(nameField);
  const pwField = Buffer.alloc(73);
  const pw = Buffer.from(password, 'utf8');
  pw.copy(pwField);
  const salt = createHash('sha512-256')
    .update(saltBase.subarray(32))
    .update(nameField)
    .update(pwField)
    .digest()
    .subarray(0, 16);
  const h = bcryptRaw(7, salt, pwField.subarray(0, pw.length + 1));
  const hk = (info: string) => new Uint8Array(hkdfSync('sha256', h, saltBase.subarray(0, 32), info, 32));
  return { salt, h, pt: hk('pddb page table key'), data: hk('pddb data key') };
}

describe('secret-basis key derivation', () => {
  it('matches the vector computed with the original tools (reference notes, section 9)', () => {
    const pw = utf8('correct-horse');
    expect(SALT_BASE.length).toBe(4012);
    expect(hex(basisSalt(SALT_BASE, 'hidden', pw))).toBe('5da0c51e9410056a3f22ca524d3927b6');
    expect(hex(basisBcrypt(SALT_BASE, 'hidden', pw))).toBe('021cd56f725a28b73dfbff952327eee2fdf93c704d3e1ba2');
    const keys = deriveBasisKeys(SALT_BASE, 'hidden', 'correct-horse');
    expect(hex(keys.pt)).toBe('0a4c8dc5819c5aab9fe54fa51c08c29299e7cd50fcc09d92ab336590916377ed');
    expect(hex(keys.data)).toBe('eb1d70c8834dd46f1276ee1601c1910c2a5250694c29f8b9b867d9fe3e2f9c5c');
  });

  it('agrees with an independent re-implementation, up to the limits (63-byte name, 72-byte password, UTF-8)', () => {
    const saltBase = Uint8Array.from({ length: SALT_BASE_LEN }, (_, i) => (i * 131 + 7) & 0xff);
    const cases: [string, string][] = [
      ['a', ''],
      ['.System', 'pin'],
      ['n'.repeat(63), 'p'.repeat(72)],
      ['b\u00e4sis', 'p\u00e4ssw\u00f6rd \u{1f511}'],
      ['x'.repeat(61) + '\u00e9', '\u00e9'.repeat(36)], // exactly 63 and 72 bytes with 2-byte characters
    ];
    for (const [name, password] of cases) {
      const ref = reference(saltBase, name, password);
      expect(hex(basisSalt(saltBase, name, utf8(password)))).toBe(hex(ref.salt));
      const keys = deriveBasisKeys(saltBase, name, password);
      expect(hex(keys.pt)).toBe(hex(ref.pt));
      expect(hex(keys.data)).toBe(hex(ref.data));
      expect(hex(deriveBasisKeys(saltBase, name, utf8(password)).data)).toBe(hex(ref.data));
    }
  });

  it('separates names, passwords and salt bases', () => {
    const base = hex(deriveBasisKeys(SALT_BASE, 'hidden', 'correct-horse').data);
    expect(hex(deriveBasisKeys(SALT_BASE, 'hidden2', 'correct-horse').data)).not.toBe(base);
    expect(hex(deriveBasisKeys(SALT_BASE, 'hidden', 'correct-horsf').data)).not.toBe(base);
    const other = SALT_BASE.slice();
    other[0] ^= 1; // HKDF salt part
    expect(hex(deriveBasisKeys(other, 'hidden', 'correct-horse').data)).not.toBe(base);
    const other2 = SALT_BASE.slice();
    other2[4011] ^= 1; // bcrypt-salt part
    expect(hex(deriveBasisKeys(other2, 'hidden', 'correct-horse').data)).not.toBe(base);
  });

  it('refuses names over 63 bytes and passwords over 72 bytes with a typed error that names neither', () => {
    const secret = 'hunter2-very-secret-'.repeat(4);
    const longName = 'n'.repeat(64);
    const tries: [() => unknown, string][] = [
      [() => deriveBasisKeys(SALT_BASE, longName, 'pw'), 'NameTooLong'],
      [() => deriveBasisKeys(SALT_BASE, '\u00e9'.repeat(32), 'pw'), 'NameTooLong'], // 64 bytes, 32 characters
      [() => deriveBasisKeys(SALT_BASE, 'name', secret), 'PasswordTooLong'],
      [() => deriveBasisKeys(SALT_BASE, 'name', '\u00e9'.repeat(37)), 'PasswordTooLong'], // 74 bytes
      [() => deriveBasisKeys(SALT_BASE, 'name', 'p'.repeat(73)), 'PasswordTooLong'],
    ];
    for (const [f, code] of tries) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KdfError);
      expect((err as KdfError).code).toBe(code);
      const shown = `${String(err)} ${JSON.stringify(err)} ${(err as Error).stack}`;
      expect(shown).not.toContain('hunter2');
      expect(shown).not.toContain(longName);
    }
  });

  it('rejects a salt base of the wrong size', () => {
    expect(() => deriveBasisKeys(new Uint8Array(4011), 'a', 'b')).toThrow(RangeError);
  });
});
