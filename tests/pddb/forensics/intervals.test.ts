// Interval formulas against published values: Wilson (Newcombe 1998, table I) and Hanley & McNeil (1982).
import { describe, expect, it } from 'vitest';
import { rocAuc, wilson } from '../../../pddb/forensics/intervals.ts';

describe('wilson', () => {
  it("matches Newcombe's worked examples", () => {
    const a = wilson(81, 263);
    expect(a.low).toBeCloseTo(0.2553, 3);
    expect(a.high).toBeCloseTo(0.3662, 3);
    const b = wilson(15, 148);
    expect(b.low).toBeCloseTo(0.0624, 3);
    expect(b.high).toBeCloseTo(0.1605, 3);
  });

  it('stays inside [0, 1] at the edges and refuses nonsense', () => {
    expect(wilson(0, 10).low).toBe(0);
    expect(wilson(10, 10).high).toBeCloseTo(1, 9);
    expect(wilson(10, 10).low).toBeCloseTo(0.7225, 3);
    expect(() => wilson(3, 2)).toThrow(RangeError);
    expect(() => wilson(1, 0)).toThrow(RangeError);
    expect(() => wilson(0.5, 4)).toThrow(RangeError);
  });
});

describe('rocAuc', () => {
  it('is the Mann-Whitney probability with ties counted half', () => {
    expect(rocAuc([1, 2, 3], [4, 5, 6]).estimate).toBe(1);
    expect(rocAuc([4, 5, 6], [1, 2, 3]).estimate).toBe(0);
    expect(rocAuc([1, 1], [1, 1]).estimate).toBe(0.5);
    expect(rocAuc([1, 3], [2, 4]).estimate).toBe(0.75);
  });

  it("gives Hanley-McNeil's standard error", () => {
    // 2004 of 2500 pairs ordered: AUC 0.8016; their formula gives SE 0.0444 at 50 and 50 cases (0.0445 at AUC 0.8).
    const world0 = Array.from({ length: 50 }, (_, i) => i);
    const world1 = Array.from({ length: 50 }, (_, i) => i + 18.5);
    const r = rocAuc(world0, world1);
    const se = (r.high - r.low) / 2 / 1.959963984540054;
    expect(r.estimate).toBeCloseTo(0.8016, 4);
    expect(se).toBeCloseTo(0.0444, 3);
    expect(() => rocAuc([], [1])).toThrow(RangeError);
  });

  it('keeps a width at perfect separation', () => {
    const r = rocAuc([1, 2, 3, 4], [5, 6, 7, 8]);
    expect(r.high).toBe(1);
    expect(r.low).toBeLessThan(0.9);
  });
});
