// Power cut after power cut, as a device on a flaky supply (or the kill sweep) sees them: each cut may leave debris
// the next mount must tolerate, and each may strand the pages its sync took from FastSpace. What users rely on: the
// device keeps taking writes, the pages a cut strands are few, and runs that end normally strand none.
import { describe, expect, it } from 'vitest';
import { SeededRandom, randomBelow } from '../../../lib/random.ts';
import { PddbEngine } from '../../../pddb/engine/engine.ts';
import { PowerCut } from '../../../pddb/flash/errors.ts';
import { FaultyFlash } from '../../../pddb/flash/faulty.ts';
import type { Flash } from '../../../pddb/flash/flash.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { TEST_PDDB_LEN } from '../../../pddb/format/constants.ts';

const PIN = '1';
const SLOW = { timeout: 180_000 };
const base = new MemoryFlash(TEST_PDDB_LEN);
const keybox = PddbEngine.format(base, { pin: PIN, random: new SeededRandom('dry-format') });
const image = base.snapshot();

const mount = (f: Flash, seed: string) => PddbEngine.mount(f, keybox, PIN, { random: new SeededRandom(seed) });

/** Mount, set dict:key to `value`, sync; a PowerCut is swallowed (the flash keeps what reached it). */
function writeRun(f: Flash, seed: string, dict: string, key: string, value: Uint8Array): boolean {
  try {
    const e = mount(f, seed);
    const h = e.get(dict, key, { createDict: true, createKey: true });
    e.truncate(h, 0);
    e.write(h, 0, value);
    e.sync();
    return true;
  } catch (err) {
    if (err instanceof PowerCut) return false;
    throw err;
  }
}

/** Mutating flash ops of a run that is not cut. */
function opsOf(snapshot: Uint8Array, run: (f: Flash) => void): number {
  const f = new FaultyFlash(MemoryFlash.from(snapshot));
  run(f);
  return f.opsSoFar;
}

describe('a cut in the first sync of a new dict', () => {
  it(
    'leaves a device where the next new dict takes keys (its half-mapped pages are not mistaken for damage)',
    SLOW,
    () => {
      const first = (f: Flash) => void writeRun(f, 'first', 'd', 'k0', new Uint8Array(46).fill(7));
      const ops = opsOf(image, first);
      for (let op = 0; op < ops; op++) {
        const flash = MemoryFlash.from(image);
        first(new FaultyFlash(flash, { cutAfterOps: op }));
        const survivor = MemoryFlash.from(flash.snapshot());
        const e = mount(survivor, `after-${op}`);
        const old = e.listDicts().includes('d') && e.listKeys('d').includes('k0') ? e.readAll(e.get('d', 'k0')) : null;
        if (old !== null) expect(Buffer.from(old).equals(Buffer.alloc(46, 7)), `op ${op}: k0`).toBe(true);
        // Small, then large: a pool page and a large-key page where the cut may have left garbage of dict 1.
        for (const [dict, key, n] of [
          ['d', 'k1', 100],
          ['e', 'k2', 5000],
        ] as const) {
          e.write(e.get(dict, key, { createDict: true, createKey: true }), 0, new Uint8Array(n).fill(n & 0xff));
        }
        e.sync();
        const again = mount(MemoryFlash.from(survivor.snapshot()), `again-${op}`);
        expect(again.check().ok, `op ${op}: check after the recovery writes`).toBe(true);
        for (const [dict, key, n] of [
          ['d', 'k1', 100],
          ['e', 'k2', 5000],
        ] as const) {
          expect(
            Buffer.from(again.readAll(again.get(dict, key))).equals(Buffer.alloc(n, n & 0xff)),
            `op ${op}: ${dict}:${key}`,
          ).toBe(true);
        }
      }
    },
  );
});

describe('FastSpace across many cuts', () => {
  it('40 cuts in a row on 4 MiB strand a few pages each, and the device still takes writes', SLOW, () => {
    let flash = MemoryFlash.from(image);
    const start = mount(MemoryFlash.from(image), 'start').freeSpace;
    const rng = new SeededRandom('cut-points');
    const cuts = 40;
    let landed = 0;
    for (let i = 0; i < cuts; i++) {
      const value = new Uint8Array(i % 4 === 0 ? 6000 : 46).fill(i);
      const run = (f: Flash) => void writeRun(f, `cut-${i}`, 'd', `k${i % 6}`, value);
      const op = randomBelow(rng, opsOf(flash.snapshot(), run));
      const f = new FaultyFlash(flash, { cutAfterOps: op });
      run(f);
      if (f.powerLost) landed++;
      flash = MemoryFlash.from(flash.snapshot());
    }
    expect(landed).toBe(cuts);
    const e = mount(flash, 'end');
    // The live data is 7 keys in one dict (a dozen pages); the rest of the drop is what the cuts stranded.
    const stranded = start - e.freeSpace;
    expect(stranded / cuts, `${stranded} pages stranded by ${cuts} cuts`).toBeLessThanOrEqual(10);
    for (let k = 0; k < 20; k++)
      e.write(e.get('after', `a${k}`, { createDict: true, createKey: true }), 0, new Uint8Array(300).fill(k));
    e.write(e.get('after', 'big', { createKey: true }), 0, new Uint8Array(40_000).fill(9));
    e.sync();
    const again = mount(MemoryFlash.from(flash.snapshot()), 'again');
    expect(again.readAll(again.get('after', 'big')).length).toBe(40_000);
    expect(again.check().ok).toBe(true);
  });

  it('runs that end with a sync strand nothing, closed or not (a CLI run killed after its sync)', SLOW, () => {
    const flash = MemoryFlash.from(image);
    writeRun(flash, 'warm', 'd', 'k0', new Uint8Array(46));
    const before = mount(MemoryFlash.from(flash.snapshot()), 'before').freeSpace;
    for (let i = 0; i < 30; i++) {
      const e = mount(flash, `run-${i}`);
      e.write(e.get('d', 'k0'), 0, new Uint8Array(46).fill(i)); // same size: no new pages needed at rest
      e.sync();
      if (i % 2 === 0) e.close(); // the other half just stop, as a killed process does
    }
    expect(mount(MemoryFlash.from(flash.snapshot()), 'after').freeSpace).toBe(before);
  });
});
