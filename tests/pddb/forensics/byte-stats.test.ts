// The blind battery: noise passes, and each kind of structure an engine could leak trips its own statistic.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../lib/random.ts';
import { byteStats, chiSquareSurvival, ksUniform } from '../../../pddb/forensics/byte-stats.ts';

const noise = (n: number, seed = 'noise') => {
  const rng = new SeededRandom(seed);
  return Array.from({ length: n }, () => rng.fill(new Uint8Array(4096)));
};

describe('byteStats', () => {
  it('finds nothing in noise', () => {
    const s = byteStats(noise(200));
    expect(s.chiSquareKs).toBeLessThan(0.15);
    expect(s.chiSquareFailures).toBe(0);
    expect(s.minEntropy).toBeGreaterThan(7.9);
    expect(s.minCompression).toBeGreaterThan(0.99);
    expect(s.maxSerialCorrelation).toBeLessThan(0.08);
    expect(s.constantPages + s.duplicatePages + s.duplicateNonces).toBe(0);
    expect(s.longestPrintableRun).toBeLessThan(20); // 95/256 of bytes are printable: runs of ~14 occur in 800 KiB
  });

  it('flags a zeroed page, a copied page, a reused nonce, a plaintext run and a biased page', () => {
    const pages = noise(50);
    pages[3] = new Uint8Array(4096);
    pages[7] = pages[8].slice();
    pages[10].set(pages[11].subarray(0, 12));
    pages[20].set(new TextEncoder().encode('hidden basis header, in the clear'), 100);
    pages[30] = pages[30].map((b) => b & 0x7f);
    const s = byteStats(pages);
    expect(s.constantPages).toBe(1);
    expect(s.duplicatePages).toBe(2);
    expect(s.duplicateNonces).toBe(4); // the copied pair and the pair sharing a nonce
    expect(s.longestPrintableRun).toBeGreaterThanOrEqual(33);
    expect(s.chiSquareFailures).toBeGreaterThanOrEqual(2); // the zero page and the 7-bit page
    expect(s.minEntropy).toBe(0);
    expect(s.minCompression).toBeLessThan(0.95);
  });

  it('refuses a page of the wrong size, and accepts no pages', () => {
    expect(() => byteStats([new Uint8Array(100)])).toThrow(RangeError);
    expect(byteStats([]).constantPages).toBe(0);
  });
});

describe('chi-square and KS helpers', () => {
  it('chiSquareSurvival is close to the exact tail at 255 degrees of freedom', () => {
    // Exact values (scipy.stats.chi2.sf): 255 -> 0.4883, 293.25 -> 0.0500, 310.46 -> 0.0100.
    expect(chiSquareSurvival(255, 255)).toBeCloseTo(0.4883, 2);
    expect(chiSquareSurvival(293.25, 255)).toBeCloseTo(0.05, 2);
    expect(chiSquareSurvival(310.46, 255)).toBeCloseTo(0.01, 2);
  });

  it('ksUniform: 0 for a perfect grid, large for clustered p-values', () => {
    expect(ksUniform([0.125, 0.375, 0.625, 0.875])).toBeCloseTo(0.125, 6);
    expect(ksUniform([0.01, 0.02, 0.03])).toBeGreaterThan(0.9);
  });
});
