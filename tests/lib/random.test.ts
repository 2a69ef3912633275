import { describe, expect, it } from 'vitest';
import { CryptoRandom, SeededRandom, randomBelow, randomBytes, shuffle } from '../../lib/random.ts';

describe('Random', () => {
  it('a seeded stream is reproducible and independent of read sizes', () => {
    const a = new SeededRandom('seed-1');
    const b = new SeededRandom('seed-1');
    const whole = randomBytes(a, 10_000);
    const parts = new Uint8Array(10_000);
    let at = 0;
    for (const n of [1, 63, 64, 65, 4000, 5807]) {
      parts.set(randomBytes(b, n), at);
      at += n;
    }
    expect(parts).toEqual(whole);
  });

  it('different seeds give different streams', () => {
    expect(randomBytes(new SeededRandom(1), 32)).not.toEqual(randomBytes(new SeededRandom(2), 32));
  });

  it('the CSPRNG does not repeat', () => {
    const r = new CryptoRandom();
    expect(randomBytes(r, 32)).not.toEqual(randomBytes(r, 32));
  });

  it('the CSPRNG pool never hands out the same bytes twice, across refills and for large requests', () => {
    const r = new CryptoRandom();
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const n = [12, 16, 32, 255, 256, 257, 4096][i % 7];
      const hex = Buffer.from(randomBytes(r, n)).toString('hex');
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
    }
  });

  it('randomBelow stays in range and covers it', () => {
    const r = new SeededRandom('below');
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = randomBelow(r, 7);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(7);
      seen.add(x);
    }
    expect(seen.size).toBe(7);
    expect(() => randomBelow(r, 0)).toThrow(RangeError);
  });

  it('shuffle is a permutation', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    const ys = shuffle(new SeededRandom('s'), [...xs]);
    expect(ys).not.toEqual(xs);
    expect([...ys].sort((p, q) => p - q)).toEqual(xs);
  });
});
