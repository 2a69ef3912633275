// The games' classifier: for every feature, the best rule "world 1 iff feature > t" (or < t) on the training
// devices; the feature whose rule trains best is then scored on held-out devices, so the accuracy reported is not
// inflated by choosing among many features after the fact.
import type { Features } from './adversaries.ts';

export interface Rule {
  feature: string;
  threshold: number;
  /** +1: world 1 above the threshold; -1: below. */
  direction: 1 | -1;
  trainAccuracy: number;
}

export interface Sample {
  world: 0 | 1;
  features: Features;
}

export function trainRule(samples: Sample[]): Rule {
  if (samples.length === 0) throw new RangeError('trainRule: no samples');
  let best: Rule = {
    feature: Object.keys(samples[0].features)[0] ?? 'none',
    threshold: Infinity,
    direction: 1,
    trainAccuracy: 0,
  };
  for (const feature of Object.keys(samples[0].features)) {
    const values = [...new Set(samples.map((s) => s.features[feature]))].sort((a, b) => a - b);
    const cuts = [values[0] - 1, ...values.map((v, i) => (i + 1 < values.length ? (v + values[i + 1]) / 2 : v + 1))];
    for (const threshold of cuts) {
      for (const direction of [1, -1] as const) {
        const rule = { feature, threshold, direction, trainAccuracy: 0 };
        const acc = samples.filter((s) => predict(rule, s.features) === s.world).length / samples.length;
        if (acc > best.trainAccuracy) best = { ...rule, trainAccuracy: acc };
      }
    }
  }
  return best;
}

export function predict(rule: Rule, features: Features): 0 | 1 {
  const v = features[rule.feature];
  return (rule.direction === 1 ? v > rule.threshold : v < rule.threshold) ? 1 : 0;
}
