// Deniability lab benchmark (`npm run bench -- forensics`), each figure against a floor measured in the same run:
//  - inspection (the blind battery over every data page + the coerced view) in MiB/s, against a raw read of the
//    same image file + SHA-256 of it;
//  - single-game trials per second (coerced adversary, 4 MiB devices), against building the same devices alone;
//  - flash erases and programs per sync of the game's workload with each mitigation, against no mitigation.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PddbEngine } from '../pddb/engine/engine.ts';
import { MemoryFlash } from '../pddb/flash/memory.ts';
import { TEST_PDDB_LEN } from '../pddb/format/constants.ts';
import { blindFeatures, coercedFeatures } from '../pddb/forensics/adversaries.ts';
import { buildDevice, PIN } from '../pddb/forensics/device-builder.ts';
import { playGame } from '../pddb/forensics/games.ts';
import { SeededRandom } from '../lib/random.ts';
import { report, timeUsSync } from './harness.ts';

const SUITE = 'forensics';
const MiB = 1024 * 1024;

export async function run(): Promise<void> {
  for (const size of [4 * MiB, 16 * MiB]) inspectionBench(size);
  trialsBench();
  mitigationCostBench();
}

function inspectionBench(size: number): void {
  const flash = new MemoryFlash(size);
  const keybox = PddbEngine.format(flash, { pin: PIN, random: new SeededRandom(`bench/${size}`) });
  const engine = PddbEngine.mount(flash, keybox, PIN, { random: new SeededRandom('bench/engine') });
  const h = engine.get('notes', 'a', { createDict: true, createKey: true });
  engine.write(h, 0, new Uint8Array(20_000));
  const system = engine.exportKeys()[0].keys;
  engine.close();
  const dir = mkdtempSync(join(tmpdir(), 'pvault-bench-'));
  const path = join(dir, 'pddb.bin');
  writeFileSync(path, flash.snapshot());
  try {
    const inspect = timeUsSync(
      () => {
        const image = new Uint8Array(readFileSync(path));
        blindFeatures(image);
        coercedFeatures(image, system, []);
      },
      { warmup: 1, runs: 3 },
    );
    const raw = timeUsSync(() => createHash('sha256').update(readFileSync(path)).digest(), { warmup: 1, runs: 5 });
    const mibs = (us: number) => size / MiB / (us / 1e6);
    report(SUITE, `inspection of a ${size / MiB} MiB image (battery + coerced view)`, mibs(inspect), 'MiB/s', {
      name: 'read + SHA-256',
      value: mibs(raw),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Fresh seeds per timed run: the lab caches built devices by seed. */
let round = 0;

function trialsBench(): void {
  const trials = 4;
  const settings = { size: TEST_PDDB_LEN, seed: 'bench-builds', variant: 'none', mitigation: 'none' } as const;
  const buildOnly = timeUsSync(
    () => {
      for (let i = 0; i < trials; i++)
        for (const world of [0, 1] as const)
          buildDevice({ ...settings, seed: `bench-builds/${++round}` }, i, world, {
            disclosedBases: 0,
            hidden: world === 1,
          });
    },
    { warmup: 0, runs: 1 },
  );
  const game = timeUsSync(() => playGame('single', { adversary: 'coerced', trials, seed: `bench-game/${++round}` }), {
    warmup: 0,
    runs: 1,
  });
  const perSecond = (us: number) => (2 * trials) / (us / 1e6);
  report(SUITE, 'single game, coerced, 4 MiB devices (trials = devices, both worlds)', perSecond(game), 'trials/s', {
    name: 'building the devices alone',
    value: perSecond(buildOnly),
  });
}

function mitigationCostBench(): void {
  const cost = (mitigation: 'none' | 'cover' | 'churn') =>
    playGame('multi', { adversary: 'blind', trials: 4, seed: 'bench-cost', mitigation }).cost;
  const none = cost('none');
  report(SUITE, 'flash erases per sync, no mitigation', none.erasesPerSync, 'erases');
  for (const m of ['cover', 'churn'] as const) {
    const c = cost(m);
    report(SUITE, `flash erases per sync, ${m}`, c.erasesPerSync, 'erases', {
      name: 'no mitigation',
      value: none.erasesPerSync,
    });
    report(SUITE, `flash programs per sync, ${m}`, c.programsPerSync, 'programs', {
      name: 'no mitigation',
      value: none.programsPerSync,
    });
  }
}
