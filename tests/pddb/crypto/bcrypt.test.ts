import bcryptjs from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { SeededRandom, randomBelow, randomBytes } from '../../../lib/random.ts';
import { bcryptPassword, bcryptPasswordKey, bcryptRaw } from '../../../pddb/crypto/bcrypt.ts';
import { bcryptBase64Decode, bcryptBase64Encode } from './bcrypt-base64.ts';
import { hex, unhex } from './hex.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** The 23 bytes bcryptjs yields for (password, salt, cost), decoded from its hash string. */
function bcryptjs23(password: string, salt: Uint8Array, cost: number): Uint8Array {
  const setting = `$2b$${String(cost).padStart(2, '0')}$${bcryptBase64Encode(salt)}`;
  const hash = bcryptjs.hashSync(password, setting);
  expect(hash.slice(0, 29)).toBe(setting);
  return bcryptBase64Decode(hash.slice(29), 23);
}

/** A random string mixing ASCII, 2-, 3- and 4-byte UTF-8 characters (and NUL), of about `n` characters. */
function randomPassword(rng: SeededRandom, n: number): string {
  const pools = [
    [0x20, 0x7f],
    [0x00, 0x20],
    [0x80, 0x800],
    [0x800, 0xd800],
    [0x10000, 0x10ffff],
  ];
  let s = '';
  for (let i = 0; i < n; i++) {
    const [lo, hi] = pools[randomBelow(rng, 8) < 5 ? 0 : randomBelow(rng, pools.length)];
    s += String.fromCodePoint(lo + randomBelow(rng, hi - lo));
  }
  return s;
}

describe('bcryptRaw', () => {
  it('matches the vector computed with the original tools/bcrypt.py (all 24 bytes)', () => {
    const salt = Uint8Array.from({ length: 16 }, (_, i) => i);
    expect(hex(bcryptRaw(7, salt, utf8('password\0')))).toBe('64dc4425b312e34fa2f94e1c0abf3530ce034ae4dffbf38e');
  });

  it('matches published $2a$ hashes (OpenBSD / crypt_blowfish test vectors) in their 23 bytes', () => {
    const vectors: [string, string][] = [
      ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U'],
      ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK', 'U*U*'],
      ['$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a', 'U*U*U'],
      [
        '$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui',
        '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored',
      ],
      ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy', ''],
    ];
    for (const [hash, password] of vectors) {
      const salt = bcryptBase64Decode(hash.slice(7, 29), 16);
      const expected = bcryptBase64Decode(hash.slice(29), 23);
      expect(hex(bcryptPassword(5, salt, utf8(password)).subarray(0, 23))).toBe(hex(expected));
    }
  });

  it('agrees with bcryptjs on its first 23 bytes for many random passwords (0..100 bytes) and salts', () => {
    const rng = new SeededRandom('bcrypt-vs-bcryptjs');
    let longer = 0;
    for (let i = 0; i < 400; i++) {
      const password = randomPassword(rng, randomBelow(rng, 60));
      if (utf8(password).length > 72) longer++;
      const salt = randomBytes(rng, 16);
      const ours = bcryptPassword(4, salt, utf8(password));
      expect(ours.length).toBe(24);
      expect(hex(ours.subarray(0, 23)), `password bytes ${hex(utf8(password))}`).toBe(
        hex(bcryptjs23(password, salt, 4)),
      );
    }
    expect(longer).toBeGreaterThan(10); // the > 72-byte rule was exercised
  });

  it('agrees with bcryptjs at the costs the PDDB uses', () => {
    const rng = new SeededRandom('bcrypt-costs');
    for (const cost of [5, 6, 7]) {
      const password = randomPassword(rng, 12);
      const salt = randomBytes(rng, 16);
      expect(hex(bcryptPassword(cost, salt, utf8(password)).subarray(0, 23))).toBe(
        hex(bcryptjs23(password, salt, cost)),
      );
    }
  });

  it('takes every byte of the salt and key into account', () => {
    const salt = randomBytes(new SeededRandom('s'), 16);
    const key = utf8('correct horse\0');
    const base = hex(bcryptRaw(4, salt, key));
    for (let i = 0; i < 16; i++) {
      const s = salt.slice();
      s[i] ^= 0x80;
      expect(hex(bcryptRaw(4, s, key))).not.toBe(base);
    }
    for (let i = 0; i < key.length; i++) {
      const k = key.slice();
      k[i] ^= 1;
      expect(hex(bcryptRaw(4, salt, k))).not.toBe(base);
    }
  });

  it('rejects bad arguments', () => {
    const salt = new Uint8Array(16);
    expect(() => bcryptRaw(4, new Uint8Array(15), utf8('a'))).toThrow(RangeError);
    expect(() => bcryptRaw(32, salt, utf8('a'))).toThrow(RangeError);
    expect(() => bcryptRaw(-1, salt, utf8('a'))).toThrow(RangeError);
    expect(() => bcryptRaw(4.5, salt, utf8('a'))).toThrow(RangeError);
    expect(() => bcryptRaw(4, salt, new Uint8Array(0))).toThrow(RangeError);
  });
});

describe('the original password rule (backend/bcrypt.rs)', () => {
  const pw = (n: number) => Uint8Array.from({ length: n }, (_, i) => 0x41 + (i % 26));

  it('adds a NUL up to 72 bytes and cuts longer passwords to 72 without one', () => {
    for (const n of [0, 1, 71, 72]) {
      const key = bcryptPasswordKey(pw(n));
      expect(key.length).toBe(n + 1);
      expect(key[n]).toBe(0);
      expect(hex(key.subarray(0, n))).toBe(hex(pw(n)));
    }
    for (const n of [73, 100]) expect(hex(bcryptPasswordKey(pw(n)))).toBe(hex(pw(72)));
  });

  it('at exactly 72 bytes the NUL is never read: same as the bare 72 bytes and as any longer password', () => {
    const salt = new Uint8Array(16).fill(7);
    const at72 = hex(bcryptPassword(4, salt, pw(72)));
    expect(hex(bcryptRaw(4, salt, pw(72)))).toBe(at72);
    expect(hex(bcryptPassword(4, salt, pw(73)))).toBe(at72);
    expect(hex(bcryptPassword(4, salt, pw(100)))).toBe(at72);
  });

  it('below 72 bytes the NUL matters (the key stream cycles over password + NUL)', () => {
    const salt = new Uint8Array(16).fill(7);
    expect(hex(bcryptPassword(4, salt, pw(71)))).not.toBe(hex(bcryptRaw(4, salt, pw(71))));
    expect(hex(bcryptPassword(4, salt, pw(71)))).not.toBe(hex(bcryptPassword(4, salt, pw(72))));
  });

  it('is the rule bcryptjs applies too, on both sides of 72 bytes', () => {
    const salt = unhex('000102030405060708090a0b0c0d0e0f');
    for (const n of [70, 71, 72, 73, 80]) {
      const s = String.fromCharCode(...pw(n));
      expect(hex(bcryptPassword(4, salt, pw(n)).subarray(0, 23))).toBe(hex(bcryptjs23(s, salt, 4)));
    }
    // A 2-byte character straddling the 72-byte boundary is cut mid-character, by bytes, in both.
    const straddle = 'x'.repeat(71) + '\u00e9yz';
    expect(hex(bcryptPassword(4, salt, utf8(straddle)).subarray(0, 23))).toBe(hex(bcryptjs23(straddle, salt, 4)));
  });
});
