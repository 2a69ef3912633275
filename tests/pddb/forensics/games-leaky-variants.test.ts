// The battery's power: against each deliberately leaky engine the single-snapshot game's advantage is large (a
// distinguisher that misses one is a failing test). 1 MiB devices: the leaks do not depend on size, the run time does.
import { describe, expect, it } from 'vitest';
import { playGame } from '../../../pddb/forensics/games.ts';
import type { LeakyVariant } from '../../../pddb/forensics/leaky-variants.ts';

const SIZE = 1024 * 1024;
const CASES: [LeakyVariant, 'blind' | 'coerced'][] = [
  ['marker', 'blind'],
  ['zeroed', 'blind'],
  ['nonce', 'blind'],
  ['usedRecords', 'coerced'],
  ['addressOrder', 'coerced'],
  ['zeroed', 'coerced'],
];

describe('single-snapshot game against leaky variants (1 MiB, 8 devices per world)', () => {
  for (const [variant, adversary] of CASES) {
    it(`${adversary} catches ${variant}`, { timeout: 120_000 }, () => {
      const r = playGame('single', { adversary, variant, trials: 8, seed: 'npm-test-leaky', size: SIZE, steps: 8 });
      // 8 of 8 held-out devices right: advantage 1/2, interval from ~0.18.
      expect(r.advantage!.estimate, JSON.stringify(r.rule)).toBe(0.5);
      expect(r.advantage!.low).toBeGreaterThan(0.15);
    });
  }
});
