import { ecb } from '@noble/ciphers/aes.js';
import { describe, expect, it } from 'vitest';
import { SeededRandom, randomBytes } from '../../../lib/random.ts';
import { ecbDecrypt, ecbEncrypt } from '../../../pddb/crypto/ecb.ts';
import { hex, unhex } from './hex.ts';

const noble = (key: Uint8Array) => ecb(key, { disablePadding: true });

describe('AES-256-ECB (node:crypto)', () => {
  it('matches FIPS-197 appendix C.3', () => {
    const key = unhex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const pt = unhex('00112233445566778899aabbccddeeff');
    const ct = '8ea2b7ca516745bfeafc49904b496089';
    expect(hex(ecbEncrypt(key, pt))).toBe(ct);
    expect(hex(ecbDecrypt(key, unhex(ct)))).toBe(hex(pt));
  });

  it('matches NIST SP 800-38A F.1.5 / F.1.6 (ECB-AES256, four blocks in one call)', () => {
    const key = unhex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4');
    const pt = unhex(`6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
                      30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710`);
    const ct = unhex(`f3eed1bdb5d2a03c064b5a7e3db181f8 591ccb10d410ed26dc5ba74a31362870
                      b6ed21b99ca6f4f9f153e7b1beafed1d 23304b7a39f9f3ff067d8d8f9e24ecc7`);
    expect(hex(ecbEncrypt(key, pt))).toBe(hex(ct));
    expect(hex(ecbDecrypt(key, ct))).toBe(hex(pt));
  });

  it('agrees with @noble/ciphers for random keys and lengths', () => {
    const rng = new SeededRandom('ecb');
    for (let i = 0; i < 200; i++) {
      const key = randomBytes(rng, 32);
      const data = randomBytes(rng, 16 * (i % 40));
      expect(hex(ecbEncrypt(key, data))).toBe(hex(noble(key).encrypt(data)));
      expect(hex(ecbDecrypt(key, data))).toBe(hex(noble(key).decrypt(data)));
    }
  });

  it('decrypts a whole Precursor page table (25,088 entries) in one call, entry i at offset 16 i', () => {
    const rng = new SeededRandom('page-table');
    const key = randomBytes(rng, 32);
    const table = randomBytes(rng, 25_088 * 16);
    const plain = ecbDecrypt(key, table);
    expect(plain.length).toBe(table.length);
    expect(hex(plain)).toBe(hex(noble(key).decrypt(table)));
    for (const i of [0, 1, 12_345, 25_087]) {
      expect(hex(plain.subarray(i * 16, i * 16 + 16))).toBe(hex(ecbDecrypt(key, table.subarray(i * 16, i * 16 + 16))));
    }
    expect(hex(ecbEncrypt(key, plain))).toBe(hex(table));
  });

  it('returns a plain Uint8Array that owns its memory and leaves the input alone', () => {
    const key = new Uint8Array(32).fill(1);
    const data = new Uint8Array(32).fill(2);
    const out = ecbEncrypt(key, data);
    expect(Buffer.isBuffer(out)).toBe(false);
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(32);
    expect(data.every((b) => b === 2)).toBe(true);
  });

  it('rejects partial blocks and wrong key sizes', () => {
    expect(() => ecbEncrypt(new Uint8Array(32), new Uint8Array(15))).toThrow(RangeError);
    expect(() => ecbDecrypt(new Uint8Array(32), new Uint8Array(17))).toThrow(RangeError);
    expect(() => ecbDecrypt(new Uint8Array(16), new Uint8Array(16))).toThrow(RangeError);
  });
});
