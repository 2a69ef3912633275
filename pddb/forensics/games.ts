// The deniability games (issue 7, section 3), seeded and reproducible, each figure with a 95% interval.
//   single  one snapshot; world 0 runs the decoy workload, world 1 the same plus a secret basis's. The classifier
//           (threshold-classifier.ts) trains on half the devices and is scored on the other half: accuracy (Wilson)
//           and advantage = accuracy - 1/2 (0: a coin; 1/2: always right).
//   count   the adversary holds k disclosed passwords: are there k or k+1 bases? From the bytes, the error code and
//           the time of an unlock attempt with a wrong password for a name the hidden basis has.
//   multi   snapshot, workload, snapshot; world 1's workload also uses a secret basis. The adversary scores the
//           pages that changed and that nothing it holds explains; ROC AUC (Hanley-McNeil) over the scores.
import { performance } from 'node:perf_hooks';
import { isPddbError } from '../errors.ts';
import { PddbEngine } from '../engine/engine.ts';
import { MemoryFlash } from '../flash/memory.ts';
import { TEST_PDDB_LEN } from '../format/constants.ts';
import { blindFeatures, coercedFeatures, dataPages, type Adversary, type Features } from './adversaries.ts';
import { PageClass, coercedView } from './coerced-view.ts';
import {
  HIDDEN_NAME,
  PIN,
  buildDevice,
  disclosedName,
  disclosedPassword,
  type LabDevice,
  type LabSettings,
  type Mitigation,
} from './device-builder.ts';
import { rocAuc, wilson, type Interval } from './intervals.ts';
import type { LeakyVariant } from './leaky-variants.ts';
import { predict, trainRule, type Rule, type Sample } from './threshold-classifier.ts';

export type GameName = 'single' | 'count' | 'multi';

export interface GameOptions {
  adversary: Adversary;
  /** Devices per world (at least 4; half train the classifier, half score it). */
  trials: number;
  seed?: string;
  size?: number;
  variant?: LeakyVariant;
  mitigation?: Mitigation;
  /** Steps of the decoy workload (default 24; tests use fewer). */
  steps?: number;
  /** Disclosed passwords in the count game (default 1). */
  disclosed?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface GameResult {
  game: GameName;
  adversary: Adversary;
  variant: LeakyVariant;
  mitigation: Mitigation;
  trials: number;
  seed: string;
  size: number;
  /** single, count: the held-out accuracy of the best trained rule, and accuracy - 1/2. */
  accuracy?: Interval;
  advantage?: Interval;
  rule?: Rule;
  /** multi: ROC AUC of the unexplained-change score (0.5: nothing learned). */
  auc?: Interval;
  /** Flash work of the workload (world 0), per sync: the mitigation's price. */
  cost: { erasesPerSync: number; programsPerSync: number };
}

export function playGame(game: GameName, o: GameOptions): GameResult {
  if (!Number.isSafeInteger(o.trials) || o.trials < 4) throw new RangeError('trials is an integer of at least 4');
  const s: LabSettings = {
    size: o.size ?? TEST_PDDB_LEN,
    seed: o.seed ?? 'lab',
    variant: o.variant ?? 'none',
    mitigation: o.mitigation ?? 'none',
  };
  const total = 2 * o.trials;
  let finished = 0;
  const tick = () => o.onProgress?.(++finished, total);
  const head = {
    game,
    adversary: o.adversary,
    variant: s.variant,
    mitigation: s.mitigation,
    trials: o.trials,
    seed: s.seed,
    size: s.size,
  };
  const costs: LabDevice['cost'][] = [];
  if (game === 'multi') {
    const scores: [number[], number[]] = [[], []];
    for (let i = 0; i < o.trials; i++) {
      const before = buildDevice(s, i, 0, { disclosedBases: 0, hidden: false, steps: o.steps });
      for (const world of [0, 1] as const) {
        const after = buildDevice(s, i, world, { disclosedBases: 0, hidden: world === 1, steps: o.steps }, before);
        if (world === 0) costs.push(after.cost);
        scores[world].push(changeScore(o.adversary, before, after));
        tick();
      }
    }
    return { ...head, auc: rocAuc(scores[0], scores[1]), cost: perSync(costs) };
  }
  const k = game === 'count' ? (o.disclosed ?? 1) : 0;
  const samples: Sample[] = [];
  for (let i = 0; i < o.trials; i++) {
    for (const world of [0, 1] as const) {
      const device = buildDevice(s, i, world, { disclosedBases: k, hidden: world === 1, steps: o.steps });
      if (world === 0) costs.push(device.cost);
      const features =
        o.adversary === 'blind'
          ? blindFeatures(device.image)
          : coercedFeatures(device.image, device.system, device.disclosed);
      // Only the coerced adversary holds the PIN that an unlock attempt needs.
      const probe = game === 'count' && o.adversary === 'coerced' ? unlockProbe(device, k) : {};
      samples.push({ world, features: { ...features, ...probe } });
      tick();
    }
  }
  // Devices alternate train/test by index, both worlds of a device on the same side.
  const train = samples.filter((_, j) => Math.floor(j / 2) % 2 === 0);
  const test = samples.filter((_, j) => Math.floor(j / 2) % 2 === 1);
  const rule = trainRule(train);
  const accuracy = wilson(test.filter((t) => predict(rule, t.features) === t.world).length, test.length);
  const advantage = { estimate: accuracy.estimate - 0.5, low: accuracy.low - 0.5, high: accuracy.high - 0.5 };
  return { ...head, accuracy, advantage, rule, cost: perSync(costs) };
}

/** Pages that changed between two snapshots and that nothing the adversary holds explains. */
function changeScore(adversary: Adversary, before: LabDevice, after: LabDevice): number {
  const [a, b] = [dataPages(before.image), dataPages(after.image)];
  const changed = a.map((page, p) => !Buffer.from(page).equals(b[p]));
  if (adversary === 'blind') return changed.filter(Boolean).length;
  // The old copy of a page .System rewrote was System's in the first snapshot; a page it lists free is explained.
  const then = coercedView(MemoryFlash.from(before.image), before.system, 0n, before.disclosed).classes;
  const now = coercedView(MemoryFlash.from(after.image), after.system, 0n, after.disclosed).classes;
  return changed.filter(
    (c, p) => c && now[p] === PageClass.Unexplained && then[p] !== PageClass.System && then[p] !== PageClass.Disclosed,
  ).length;
}

/**
 * The coerced adversary tries the hidden basis's name (it may guess names) with a wrong password, and a name no
 * basis has: the error code of each (1 when it is not AccessDenied) and the slower attempt's time, median of three.
 */
function unlockProbe(device: LabDevice, k: number): Features {
  const engine = PddbEngine.mount(MemoryFlash.from(device.image), device.keybox, PIN);
  for (let j = 0; j < k; j++) engine.unlockBasis(disclosedName(j), disclosedPassword(j));
  const attempt = (name: string): { code: number; ms: number } => {
    const times: number[] = [];
    let code = 0;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      try {
        engine.unlockBasis(name, 'not the password');
        code = 2;
      } catch (e) {
        if (!isPddbError(e, 'AccessDenied')) code = 1;
      }
      times.push(performance.now() - t0);
    }
    return { code, ms: times.sort((x, y) => x - y)[1] };
  };
  const named = attempt(HIDDEN_NAME);
  const absent = attempt('nobody');
  engine.close();
  return { unlockErrorHidden: named.code, unlockErrorAbsent: absent.code, unlockMsRatio: named.ms / absent.ms };
}

function perSync(costs: LabDevice['cost'][]): GameResult['cost'] {
  const syncs = costs.reduce((n, c) => n + c.syncs, 0);
  return {
    erasesPerSync: costs.reduce((n, c) => n + c.erases, 0) / syncs,
    programsPerSync: costs.reduce((n, c) => n + c.programs, 0) / syncs,
  };
}
