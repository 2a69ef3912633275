import { aeskwp } from '@noble/ciphers/aes.js';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SeededRandom, randomBelow, randomBytes } from '../../../lib/random.ts';
import { kwpUnwrap, kwpWrap } from '../../../pddb/crypto/kwp.ts';
import { hex, unhex } from './hex.ts';

// RFC 5649's alternative initial value, the IV OpenSSL's wrap-pad ciphers take.
const AIV = unhex('a65959a6');

function nodeWrap(kek: Uint8Array, data: Uint8Array): Uint8Array {
  const c = createCipheriv(`id-aes${kek.length * 8}-wrap-pad`, kek, AIV);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

function nodeUnwrap(kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
  const d = createDecipheriv(`id-aes${kek.length * 8}-wrap-pad`, kek, AIV);
  return new Uint8Array(Buffer.concat([d.update(wrapped), d.final()]));
}

describe('AES-KWP (RFC 5649)', () => {
  it('RFC 5649 section 6 vectors (192-bit KEK): noble and node both match', () => {
    const kek = unhex('5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8');
    const vectors: [string, string][] = [
      ['c37b7e6492584340bed12207808941155068f738', '138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a'],
      ['466f7250617369', 'afbeb0f07dfbf5419200f2ccb50bb24f'],
    ];
    for (const [key, wrapped] of vectors) {
      expect(hex(aeskwp(kek).encrypt(unhex(key)))).toBe(wrapped);
      expect(hex(aeskwp(kek).decrypt(unhex(wrapped)))).toBe(key);
      expect(hex(nodeWrap(kek, unhex(key)))).toBe(wrapped);
    }
  });

  it('a NIST CAVP KWP_AE_256 vector (256-bit KEK, 1-byte key)', () => {
    const kek = unhex('068b05d005902438bb7a837c18ca4d7abab63c7de558993df68492b3cf3c1c3c');
    expect(hex(kwpWrap(kek, unhex('24')))).toBe('d54525e33b8d29aa1497ffeb13acd10a');
    expect(kwpUnwrap(kek, unhex('d54525e33b8d29aa1497ffeb13acd10a'))).toEqual({ ok: true, key: unhex('24') });
    expect(hex(nodeWrap(kek, unhex('24')))).toBe('d54525e33b8d29aa1497ffeb13acd10a');
  });

  it('agrees with node (OpenSSL id-aes256-wrap-pad) both ways for random 256-bit KEKs and key sizes', () => {
    const rng = new SeededRandom('kwp');
    for (let i = 0; i < 300; i++) {
      const kek = randomBytes(rng, 32);
      const key = randomBytes(rng, i < 100 ? 32 : 1 + randomBelow(rng, 64));
      const wrapped = kwpWrap(kek, key);
      expect(wrapped.length).toBe(8 + Math.ceil(key.length / 8) * 8);
      expect(hex(wrapped)).toBe(hex(nodeWrap(kek, key)));
      expect(hex(nodeUnwrap(kek, wrapped))).toBe(hex(key));
      const back = kwpUnwrap(kek, nodeWrap(kek, key));
      expect(back.ok && hex(back.key)).toBe(hex(key));
    }
  });

  it('wraps a 32-byte key into the 40 bytes the key page holds', () => {
    expect(kwpWrap(new Uint8Array(32).fill(9), new Uint8Array(32)).length).toBe(40);
  });

  it('reports a failed unwrap as a typed result, never an exception', () => {
    const rng = new SeededRandom('kwp-fail');
    const kek = randomBytes(rng, 32);
    const wrapped = kwpWrap(kek, randomBytes(rng, 32));
    for (let i = 0; i < wrapped.length; i++) {
      const bad = wrapped.slice();
      bad[i] ^= 0x10;
      expect(kwpUnwrap(kek, bad)).toEqual({ ok: false, reason: 'integrity' });
    }
    const otherKek = kek.slice();
    otherKek[0] ^= 1;
    expect(kwpUnwrap(otherKek, wrapped)).toEqual({ ok: false, reason: 'integrity' });
    for (let i = 0; i < 200; i++) {
      const r = kwpUnwrap(kek, randomBytes(rng, 16 + 8 * randomBelow(rng, 6)));
      expect(r).toEqual({ ok: false, reason: 'integrity' });
    }
    for (const n of [0, 8, 15, 39, 41])
      expect(kwpUnwrap(kek, new Uint8Array(n))).toEqual({ ok: false, reason: 'length' });
  });

  it('rejects KEKs that are not 256-bit and empty key data', () => {
    expect(() => kwpWrap(new Uint8Array(24), new Uint8Array(32))).toThrow(RangeError);
    expect(() => kwpUnwrap(new Uint8Array(16), new Uint8Array(40))).toThrow(RangeError);
    expect(() => kwpWrap(new Uint8Array(32), new Uint8Array(0))).toThrow(RangeError);
  });
});
