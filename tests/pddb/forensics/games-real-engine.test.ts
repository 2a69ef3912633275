// Issue 7, section 3, in npm test: on the real engine, neither the blind adversary (bytes only) nor the coerced one
// (boot PIN) wins the single-snapshot game: the 95% interval of the held-out advantage contains 0.
import { describe, expect, it } from 'vitest';
import { TEST_PDDB_LEN } from '../../../pddb/format/constants.ts';
import { playGame } from '../../../pddb/forensics/games.ts';

describe('single-snapshot game, real engine (4 MiB, 8 devices per world)', () => {
  for (const adversary of ['coerced', 'blind'] as const) {
    it(`${adversary}: the advantage interval contains 0`, { timeout: 120_000 }, () => {
      const seen: number[] = [];
      const r = playGame('single', {
        adversary,
        trials: 8,
        seed: 'npm-test',
        size: TEST_PDDB_LEN,
        steps: 8,
        onProgress: (d) => seen.push(d),
      });
      expect(r.advantage!.low, JSON.stringify(r)).toBeLessThanOrEqual(0);
      expect(r.advantage!.high).toBeGreaterThanOrEqual(0);
      expect(r.accuracy!.low).toBeGreaterThanOrEqual(0);
      expect(seen).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    });
  }

  it('refuses too few trials', () => {
    expect(() => playGame('single', { adversary: 'blind', trials: 3 })).toThrow(RangeError);
    expect(() => playGame('multi', { adversary: 'blind', trials: 1.5 })).toThrow(RangeError);
  });
});
