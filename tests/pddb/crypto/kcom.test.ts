import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SeededRandom, randomBytes } from '../../../lib/random.ts';
import { kcomDerive, kcomOpen } from '../../../pddb/crypto/kcom.ts';
import { hex, unhex } from './hex.ts';

// hw.rs kcom_func, re-done with node's SHA-512/256 and the labels as the original writes them.
function reference(key: Uint8Array, nonce: Uint8Array) {
  const h = (label: string) => createHash('sha512-256').update(key).update(unhex(label)).update(nonce).digest('hex');
  return { kenc: h('436f06d60d69740101'), kcom: h('436f06d60d69740102') };
}

describe('root-page key commitment', () => {
  it('derives kenc and kcom as hw.rs kcom_func does', () => {
    const rng = new SeededRandom('kcom');
    for (let i = 0; i < 100; i++) {
      const key = randomBytes(rng, 32);
      const nonce = randomBytes(rng, 32);
      const { kenc, kcom } = kcomDerive(key, nonce);
      expect({ kenc: hex(kenc), kcom: hex(kcom) }).toEqual(reference(key, nonce));
    }
  });

  it('a fixed value (also computed with Python hashlib), to pin the construction', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    const nonce = Uint8Array.from({ length: 32 }, (_, i) => 0xff - i);
    const { kenc, kcom } = kcomDerive(key, nonce);
    expect(hex(kenc)).toBe('d77d41745cd18d418a0fc642dcc8f3e7239f02fa7ac625e238b08240a62c32de');
    expect(hex(kcom)).toBe('42a3d2c355924e0870cbb086b4f1afb4af9894a2095ea54c8dcad51f1c126fd5');
  });

  it('opens only with the committed key', () => {
    const rng = new SeededRandom('kcom-open');
    const key = randomBytes(rng, 32);
    const nonce = randomBytes(rng, 32);
    const { kenc, kcom } = kcomDerive(key, nonce);
    expect(hex(kcomOpen(key, nonce, kcom)!)).toBe(hex(kenc));
    const wrongKey = key.slice();
    wrongKey[3] ^= 1;
    expect(kcomOpen(wrongKey, nonce, kcom)).toBeNull();
    const wrongNonce = nonce.slice();
    wrongNonce[31] ^= 1;
    expect(kcomOpen(key, wrongNonce, kcom)).toBeNull();
    for (let i = 0; i < 32; i++) {
      const bad = kcom.slice();
      bad[i] ^= 0x40;
      expect(kcomOpen(key, nonce, bad)).toBeNull();
    }
    expect(kcomOpen(key, nonce, kcom.subarray(0, 31))).toBeNull();
  });

  it('rejects wrong sizes', () => {
    expect(() => kcomDerive(new Uint8Array(31), new Uint8Array(32))).toThrow(RangeError);
    expect(() => kcomDerive(new Uint8Array(32), new Uint8Array(12))).toThrow(RangeError);
  });
});
