import murmurHash3 from 'murmurhash3js-revisited';
import { describe, expect, it } from 'vitest';
import { SeededRandom, randomBelow, randomBytes, randomU32 } from '../../../lib/random.ts';
import { murmur3_32 } from '../../../pddb/crypto/murmur3.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('murmur3_32', () => {
  it('matches the widely published MurmurHash3_x86_32 vectors', () => {
    const vectors: [Uint8Array, number, number][] = [
      [new Uint8Array(0), 0, 0],
      [new Uint8Array(0), 1, 0x514e28b7],
      [new Uint8Array(0), 0xffffffff, 0x81f16f39],
      [Uint8Array.of(0xff, 0xff, 0xff, 0xff), 0, 0x76293b50],
      [Uint8Array.of(0x21, 0x43, 0x65, 0x87), 0, 0xf55b516b],
      [Uint8Array.of(0x21, 0x43, 0x65, 0x87), 0x5082edee, 0x2362f9de],
      [Uint8Array.of(0x21, 0x43, 0x65), 0, 0x7e4a8634],
      [Uint8Array.of(0x21, 0x43), 0, 0xa0f7b07a],
      [Uint8Array.of(0x21), 0, 0x72661cf4],
      [Uint8Array.of(0, 0, 0, 0), 0, 0x2362f9de],
      [Uint8Array.of(0, 0, 0), 0, 0x85f0b427],
      [Uint8Array.of(0, 0), 0, 0x30f4c306],
      [Uint8Array.of(0), 0, 0x514e28b7],
      [utf8('aaaa'), 0x9747b28c, 0x5a97808a],
      [utf8('aaa'), 0x9747b28c, 0x283e0130],
      [utf8('aa'), 0x9747b28c, 0x5d211726],
      [utf8('a'), 0x9747b28c, 0x7fa09ea6],
      [utf8('abcd'), 0x9747b28c, 0xf0478627],
      [utf8('abc'), 0x9747b28c, 0xc84a62dd],
      [utf8('ab'), 0x9747b28c, 0x74875592],
      [utf8('Hello, world!'), 0x9747b28c, 0x24884cba],
      [utf8('The quick brown fox jumps over the lazy dog'), 0x9747b28c, 0x2fa826cd],
    ];
    for (const [bytes, seed, expected] of vectors) expect(murmur3_32(bytes, seed)).toBe(expected);
  });

  it("passes SMHasher's verification test (0xB0F57EE3 for MurmurHash3_x86_32)", () => {
    // Hash the keys {}, {0}, {0,1}, ... {0..254} with seed 256 - length, concatenate the hashes little-endian,
    // hash that with seed 0.
    const key = Uint8Array.from({ length: 256 }, (_, i) => i);
    const hashes = new Uint8Array(256 * 4);
    const view = new DataView(hashes.buffer);
    for (let i = 0; i < 256; i++) view.setUint32(i * 4, murmur3_32(key.subarray(0, i), 256 - i), true);
    expect(murmur3_32(hashes, 0)).toBe(0xb0f57ee3);
  });

  it('agrees with murmurhash3js-revisited on many random inputs (every length 0..20, and longer)', () => {
    const rng = new SeededRandom('murmur3');
    for (let i = 0; i < 5000; i++) {
      const len = i < 4200 ? i % 21 : randomBelow(rng, 300);
      const bytes = randomBytes(rng, len);
      const seed = randomU32(rng);
      expect(murmur3_32(bytes, seed)).toBe(murmurHash3.x86.hash32(bytes, seed) >>> 0);
    }
  });

  it('hashes a page-table entry the way the PTE check uses it (12 bytes, seed = nonce), unsigned', () => {
    const rng = new SeededRandom('pte');
    for (let i = 0; i < 200; i++) {
      const entry = randomBytes(rng, 16);
      const nonce = new DataView(entry.buffer).getUint32(8, true);
      const h = murmur3_32(entry.subarray(0, 12), nonce);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(2 ** 32);
      expect(h).toBe(murmurHash3.x86.hash32(entry.subarray(0, 12), nonce) >>> 0);
    }
  });

  it('hashes a range of a larger array (the whole-page-table check) as it hashes the subarray', () => {
    const rng = new SeededRandom('range');
    const table = randomBytes(rng, 16 * 500);
    for (let i = 0; i < 500; i++) {
      const seed = randomU32(rng);
      expect(murmur3_32(table, seed, i * 16, 12)).toBe(murmur3_32(table.subarray(i * 16, i * 16 + 12), seed));
    }
    expect(murmur3_32(table, 1, 8)).toBe(murmur3_32(table.subarray(8), 1));
    expect(() => murmur3_32(table, 0, table.length - 4, 5)).toThrow(RangeError);
    expect(() => murmur3_32(table, 0, -1, 4)).toThrow(RangeError);
    expect(() => murmur3_32(table, 0, 1.5, 4)).toThrow(RangeError);
  });
});
