// The multi-snapshot and basis-count games (small devices, few trials: these check the games' behaviour; the
// figures with enough trials are in docs/deniability.md).
import { describe, expect, it } from 'vitest';
import { playGame } from '../../../pddb/forensics/games.ts';

const SMALL = { trials: 6, size: 1024 * 1024, steps: 6, seed: 'npm-test-multi' } as const;

describe('multi-snapshot game', () => {
  it('the blind diff sees a hidden basis used between snapshots; churn before the snapshot hides it from bytes alone', {
    timeout: 120_000,
  }, () => {
    const plain = playGame('multi', { ...SMALL, adversary: 'blind' });
    expect(plain.auc!.low, JSON.stringify(plain.auc)).toBeGreaterThan(0.6);
    const churned = playGame('multi', { ...SMALL, adversary: 'blind', mitigation: 'churn' });
    expect(churned.auc!.low, JSON.stringify(churned.auc)).toBeLessThanOrEqual(0.5);
    expect(churned.auc!.high).toBeGreaterThanOrEqual(0.5);
    // Churn's price: it rewrites .System and refreshes every known-free page.
    expect(churned.cost.erasesPerSync).toBeGreaterThan(plain.cost.erasesPerSync);
  });

  it('the coerced diff still sees it, with or without cover writes (a limit of this design, documented)', {
    timeout: 120_000,
  }, () => {
    for (const mitigation of ['none', 'cover'] as const) {
      const r = playGame('multi', { ...SMALL, adversary: 'coerced', mitigation });
      expect(r.auc!.low, `${mitigation}: ${JSON.stringify(r.auc)}`).toBeGreaterThan(0.6);
    }
  });
});

describe('basis-count game', () => {
  it('one password disclosed: bytes, error codes and unlock timing do not tell one basis from two', {
    timeout: 120_000,
  }, () => {
    const r = playGame('count', { ...SMALL, adversary: 'coerced', size: 4 * 1024 * 1024, disclosed: 1 });
    expect(r.advantage!.low, JSON.stringify(r)).toBeLessThanOrEqual(0);
    expect(r.advantage!.high).toBeGreaterThanOrEqual(0);
  });
});
