import { defineConfig } from 'vitest/config';

// Timeouts are a hang guard, never a speed check: a machine shared with other CPU-bound work (see
// ../shared/tools/busy-test) runs the slow suites several times slower than a quiet one. Long sweeps live in
// scripts/ (crash-sweep.ts, kill-sweep.ts), not here.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
