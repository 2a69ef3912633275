// Devices for the deniability games, built from seeded workloads so that every figure can be reproduced. A device
// is formatted once per index (both worlds start from the same image: only what happens after differs), then runs a
// decoy workload in .System (keys written and rewritten, a sync after each step) and, in world 1, a secret basis
// workload part-way through. Leaky variants and mitigations are applied here (leaky-variants.ts).
import { SeededRandom, randomBelow, type Random } from '../../lib/random.ts';
import type { BasisKeys } from '../crypto/kdf.ts';
import { PddbEngine, type EngineOptions } from '../engine/engine.ts';
import { MemoryFlash } from '../flash/memory.ts';
import { engineOptionsOf, postProcess, type LeakyVariant } from './leaky-variants.ts';

export const PIN = 'lab-pin';
/** Pages a `cover` sync refreshes. */
export const COVER_PAGES = 16;
const DECOY_STEPS = 24;

/** Most pages a `decoy` sync leaks on purpose (uniform 0..N per sync). */
export const DECOY_PAGES = 4;

export type Mitigation = 'none' | 'churn' | 'cover' | 'decoy';

export interface LabSettings {
  /** Image size in bytes. */
  size: number;
  seed: string;
  variant: LeakyVariant;
  mitigation: Mitigation;
}

/** The keys of every basis a device holds (the owner's), and which the adversary is shown. */
export interface LabDevice {
  image: Uint8Array;
  keybox: Uint8Array;
  system: BasisKeys;
  disclosed: BasisKeys[];
  hidden: BasisKeys[];
  /** Flash erases and programs of the workload, and its syncs. */
  cost: { erases: number; programs: number; syncs: number };
}

/** Formatted images by size/seed/index: the slow part of a trial, shared by both worlds. */
const formatted = new Map<string, { bytes: Uint8Array; keybox: Uint8Array }>();

function freshDevice(s: LabSettings, i: number): { flash: MemoryFlash; keybox: Uint8Array } {
  const id = `${s.size}/${s.seed}/${i}`;
  let image = formatted.get(id);
  if (!image) {
    const flash = new MemoryFlash(s.size);
    const keybox = PddbEngine.format(flash, { pin: PIN, random: new SeededRandom(`lab/format/${id}`) });
    if (formatted.size > 64) formatted.clear();
    formatted.set(id, (image = { bytes: flash.snapshot(), keybox }));
  }
  return { flash: MemoryFlash.from(image.bytes), keybox: image.keybox };
}

export const disclosedName = (k: number) => `work${k}`;
export const HIDDEN_NAME = 'secret';
const passwordOf = (name: string) => `pw-${name}`;

export interface Workload {
  /** Bases created (and left with data) before the decoy workload, their passwords disclosed. */
  disclosedBases: number;
  /** World 1: a secret basis is created and used part-way through, and locked. */
  hidden: boolean;
  /** Steps of the decoy workload (default 24). */
  steps?: number;
}

/** Finished images before post-processing, so that image-level variants share one engine run. */
const built = new Map<string, LabDevice>();

/** Build device `i` of a world: format (cached), the workload, the mitigation, the leaky variant's post-processing. */
export function buildDevice(s: LabSettings, i: number, world: 0 | 1, w: Workload, start?: LabDevice): LabDevice {
  const engineVariant = s.variant === 'usedRecords' || s.variant === 'addressOrder' ? s.variant : 'none';
  const id = JSON.stringify([s.size, s.seed, s.mitigation, engineVariant, i, world, w, start ? start.image.length : 0]);
  let device = start ? undefined : built.get(id);
  if (!device) {
    device = runWorkload({ ...s, variant: engineVariant }, i, world, w, start);
    if (built.size > 256) built.clear();
    if (!start) built.set(id, device);
  }
  const image = device.image.slice();
  postProcess(s.variant, image, device);
  return { ...device, image };
}

function runWorkload(s: LabSettings, i: number, world: 0 | 1, w: Workload, start?: LabDevice): LabDevice {
  const base = start ? { flash: MemoryFlash.from(start.image), keybox: start.keybox } : freshDevice(s, i);
  const { flash, keybox } = base;
  const opts: EngineOptions = {
    ...engineOptionsOf(s.variant),
    random: new SeededRandom(`lab/engine/${s.seed}/${i}/${world}/${start ? 'b' : 'a'}`),
    ...(s.mitigation === 'cover' ? { coverWrites: COVER_PAGES } : {}),
    ...(s.mitigation === 'decoy' ? { decoyLeaks: DECOY_PAGES } : {}),
  };
  const engine = PddbEngine.mount(flash, keybox, PIN, opts);
  // A fresh device holds only .System, so a rebuild is safe; it gives the address-order variant its full free list.
  if (s.variant === 'addressOrder' && !start) engine.rebuildSpace({ allBasesPresent: true });
  const before = flash.stats;
  const decoy = new SeededRandom(`lab/decoy/${s.seed}/${i}/${start ? 'b' : 'a'}`);
  let syncs = 0;
  const write = (rng: Random, dict: string, key: string, n: number, basis?: string) => {
    const h = engine.get(dict, key, { basis, createDict: true, createKey: true });
    engine.truncate(h, 0);
    engine.write(h, 0, rng.fill(new Uint8Array(n)));
  };
  const hiddenKeys: BasisKeys[] = start ? [...start.hidden] : [];
  const disclosedKeys: BasisKeys[] = start ? [...start.disclosed] : [];
  for (let k = disclosedKeys.length; k < w.disclosedBases; k++) {
    const name = disclosedName(k);
    engine.createBasis(name, passwordOf(name));
    engine.unlockBasis(name, passwordOf(name));
    write(decoy, 'vault.passwords', 'mail', 64, name);
    disclosedKeys.push(keysOf(engine, name));
    engine.lockBasis(name);
  }
  const steps = w.steps ?? DECOY_STEPS;
  for (let step = 0; step < steps; step++) {
    write(decoy, 'notes', `n${randomBelow(decoy, 8)}`, 1 + randomBelow(decoy, 300));
    engine.sync();
    syncs++;
    if (world === 1 && w.hidden && step === Math.floor(steps / 2)) {
      const secret = new SeededRandom(`lab/secret/${s.seed}/${i}`);
      if (hiddenKeys.length === 0) engine.createBasis(HIDDEN_NAME, passwordOf(HIDDEN_NAME));
      engine.unlockBasis(HIDDEN_NAME, passwordOf(HIDDEN_NAME));
      for (let k = 0; k < 4; k++) write(secret, 'vault.passwords', `site${k}`, 40 + 20 * k, HIDDEN_NAME);
      write(secret, 'vault.blob', 'big', 6000, HIDDEN_NAME);
      engine.sync();
      syncs++;
      if (hiddenKeys.length === 0) hiddenKeys.push(keysOf(engine, HIDDEN_NAME));
      engine.lockBasis(HIDDEN_NAME);
    }
  }
  if (s.mitigation === 'churn') engine.churn();
  const system = keysOf(engine, '.System');
  engine.close();
  const after = flash.stats;
  return {
    image: flash.snapshot(),
    keybox,
    system,
    disclosed: disclosedKeys,
    hidden: hiddenKeys,
    cost: { erases: after.erases - before.erases, programs: after.programs - before.programs, syncs },
  };
}

/** The password an adversary is given for disclosed basis `name` (the lab's own, never a user's). */
export const disclosedPassword = (k: number) => passwordOf(disclosedName(k));

function keysOf(engine: PddbEngine, name: string): BasisKeys {
  const found = engine.exportKeys().find((b) => b.name === name);
  if (!found) throw new Error(`lab: basis ${name} is not open`);
  return found.keys;
}
