// 95% confidence intervals for the lab's figures: Wilson's score interval for an accuracy (a binomial proportion;
// it stays inside [0, 1] and behaves at 0 and n, where the normal approximation does not), and Hanley & McNeil's
// (1982) standard error for a ROC AUC computed as the Mann-Whitney statistic.

const Z95 = 1.959963984540054;

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

/** Wilson score interval for `successes` out of `n` trials. */
export function wilson(successes: number, n: number, z = Z95): Interval {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError('wilson: 0 <= successes <= n, n >= 1, integers');
  }
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { estimate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * AUC = P(score of a world-1 sample > score of a world-0 sample) + P(tie)/2, with Hanley-McNeil's interval.
 * 0.5: the score says nothing; 1 (or 0): it separates the worlds.
 */
export function rocAuc(world0: number[], world1: number[], z = Z95): Interval {
  const [n0, n1] = [world0.length, world1.length];
  if (n0 === 0 || n1 === 0) throw new RangeError('rocAuc: both worlds need samples');
  let wins = 0;
  for (const a of world1) for (const b of world0) wins += a > b ? 1 : a === b ? 0.5 : 0;
  const auc = wins / (n0 * n1);
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const variance = (auc * (1 - auc) + (n1 - 1) * (q1 - auc * auc) + (n0 - 1) * (q2 - auc * auc)) / (n0 * n1);
  // At AUC 0 or 1 the formula gives 0 width; the Wilson interval of the pair count is an honest floor there.
  const floor = wilson(Math.round(wins), n0 * n1, z);
  const half = z * Math.sqrt(Math.max(0, variance));
  return {
    estimate: auc,
    low: Math.max(0, Math.min(auc - half, floor.low)),
    high: Math.min(1, Math.max(auc + half, floor.high)),
  };
}
