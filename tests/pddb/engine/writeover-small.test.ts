// Issue 6 #2: power cut at every flash op of a value change's sync (see writeover-sweep.ts), small-value histories.
import { describe, expect, it } from 'vitest';
import { scenarios, sweepScenario } from './writeover-sweep.ts';

describe('a cut at any flash op of a sync leaves the changed key old or new, whole', () => {
  for (const s of [0, 1, 2].map((i) => scenarios[i])) {
    it(s.name, { timeout: 120_000 }, () => {
      const failures = sweepScenario(s, 2);
      expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
    });
  }
});
