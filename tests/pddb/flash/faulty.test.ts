import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../lib/random.ts';
import { FlashError, PowerCut } from '../../../pddb/flash/errors.ts';
import type { FaultPlan } from '../../../pddb/flash/faulty.ts';
import { FaultyFlash } from '../../../pddb/flash/faulty.ts';
import { FileFlash } from '../../../pddb/flash/file.ts';
import type { Flash } from '../../../pddb/flash/flash.ts';
import { SECTOR_SIZE } from '../../../pddb/flash/flash.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { expectBytes, expectFlashError, filled, pattern } from './helpers.ts';

const SIZE = 4 * SECTOR_SIZE;

/** A scripted workload of mutating ops, with reads and syncs in between (which are not ops). */
type Op = { kind: 'erase'; sector: number } | { kind: 'program'; offset: number; data: Uint8Array };
const OPS: Op[] = [
  { kind: 'program', offset: 0, data: pattern(SECTOR_SIZE, 1) },
  { kind: 'program', offset: SECTOR_SIZE + 100, data: pattern(300, 2) },
  { kind: 'erase', sector: 0 },
  { kind: 'program', offset: 10, data: pattern(1, 3) },
  { kind: 'program', offset: 3 * SECTOR_SIZE, data: pattern(2048, 4) },
  { kind: 'erase', sector: 1 },
  { kind: 'program', offset: SECTOR_SIZE, data: pattern(SECTOR_SIZE, 5) },
  { kind: 'program', offset: 3 * SECTOR_SIZE + 2048, data: pattern(2048, 6) },
];

function workload(f: Flash): void {
  for (const op of OPS) {
    if (op.kind === 'erase') f.erase(op.sector);
    else f.program(op.offset, op.data);
    f.read(0, 16);
    f.sync();
  }
}

/** The device after the first `n` ops of the workload, run on a plain MemoryFlash. */
function reference(start: Uint8Array, n: number): Uint8Array {
  const f = MemoryFlash.from(start);
  for (const op of OPS.slice(0, n)) {
    if (op.kind === 'erase') f.erase(op.sector);
    else f.program(op.offset, op.data);
  }
  return f.snapshot();
}

/** Run the workload under `plan` and return the flash and what it threw (a PowerCut or nothing). */
function runCut(start: Uint8Array, plan: FaultPlan): { flash: FaultyFlash; error: unknown } {
  const flash = new FaultyFlash(MemoryFlash.from(start), plan);
  try {
    workload(flash);
    return { flash, error: null };
  } catch (error) {
    return { flash, error };
  }
}

/** A start image that is not all 0xFF, so "old" content is visible. */
const START = (() => {
  const f = new MemoryFlash(SIZE);
  for (let s = 0; s < 4; s++) f.program(s * SECTOR_SIZE, pattern(SECTOR_SIZE, 100 + s));
  f.erase(2);
  return f.snapshot();
})();

describe('FaultyFlash', () => {
  it('without a cut it passes everything through and counts only erases and programs', () => {
    const { flash, error } = runCut(START, {});
    expect(error).toBeNull();
    expect(flash.opsSoFar).toBe(OPS.length);
    expect(flash.powerLost).toBe(false);
    expect(flash.cut).toBeNull();
    expectBytes(flash.read(0, SIZE), reference(START, OPS.length));
    // Its own counters agree with the inner device's.
    expect(flash.stats).toEqual(flash.inner.stats);
    for (let s = 0; s < 4; s++) expect(flash.sectorWear(s)).toEqual(flash.inner.sectorWear(s));
  });

  it('refused (invalid) ops do not advance the op counter or the cut', () => {
    const f = new FaultyFlash(new MemoryFlash(SIZE), { cutAfterOps: 1 });
    expectFlashError(() => f.erase(99), 'OutOfBounds');
    expectFlashError(() => f.program(SECTOR_SIZE - 1, Uint8Array.of(0, 0)), 'CrossesSector');
    expectFlashError(() => f.program(0, new Uint8Array(0)), 'BadArgument');
    expect(f.opsSoFar).toBe(0);
    f.erase(0);
    expect(f.opsSoFar).toBe(1);
    expect(() => f.erase(1)).toThrow(PowerCut);
    expect(f.opsSoFar).toBe(2);
  });

  it('cut at op N, not torn: ops before N happened, op N did not, PowerCut thrown', () => {
    for (let n = 0; n < OPS.length; n++) {
      const { flash, error } = runCut(START, { cutAfterOps: n });
      expect(error).toBeInstanceOf(PowerCut);
      expect(error).toBeInstanceOf(FlashError);
      expect((error as FlashError).code).toBe('PowerCut');
      expect(flash.opsSoFar).toBe(n + 1);
      expect(flash.powerLost).toBe(true);
      const op = OPS[n];
      expect(flash.cut).toMatchObject({ op: n, kind: op.kind, torn: false, applied: 0 });
      expectBytes(flash.read(0, SIZE), reference(START, n));
      // Completed ops only in the stats.
      const ref = MemoryFlash.from(START);
      for (const o of OPS.slice(0, n)) o.kind === 'erase' ? ref.erase(o.sector) : ref.program(o.offset, o.data);
      expect(flash.stats).toEqual(ref.stats);
    }
  });

  it('after a cut every mutation and sync throws PowerCut; reads keep working; opsSoFar stays', () => {
    const { flash } = runCut(START, { cutAfterOps: 3 });
    const image = flash.read(0, SIZE);
    expect(() => flash.erase(0)).toThrow(PowerCut);
    expect(() => flash.program(0, Uint8Array.of(0))).toThrow(PowerCut);
    expect(() => flash.sync()).toThrow(PowerCut);
    // Even an invalid mutation reports the power cut first.
    expect(() => flash.erase(-1)).toThrow(PowerCut);
    expect(flash.opsSoFar).toBe(4);
    expect(flash.read(0, SIZE)).toEqual(image);
    const out = new Uint8Array(SIZE);
    flash.readInto(0, out);
    expect(out).toEqual(image);
    expectFlashError(() => flash.read(SIZE, 1), 'OutOfBounds');
    // Reboot from what survived: a fresh device mounts the bytes and takes writes again.
    const rebooted = MemoryFlash.from((flash.inner as MemoryFlash).snapshot());
    expect(rebooted.read(0, SIZE)).toEqual(image);
    rebooted.erase(0);
    flash.close();
    expectFlashError(() => flash.read(0, 1), 'Closed');
  });

  it('torn program: prefix programmed, the rest untouched, the split drawn from the injected Random', () => {
    // Sector 2 of START is erased; put old data in its first 1 KiB, then tear a program over [1 KiB, 3 KiB).
    const base = 2 * SECTOR_SIZE;
    const old = pattern(1024, 77);
    const data = pattern(2048, 78);
    const run = (seed: string) => {
      const inner = MemoryFlash.from(START);
      inner.program(base, old);
      const f = new FaultyFlash(inner, { cutAfterOps: 0, torn: true, random: new SeededRandom(seed) });
      expect(() => f.program(base + 1024, data)).toThrow(PowerCut);
      return f;
    };
    const splits = new Set<number>();
    for (const seed of ['a', 'b', 'c', 'd', 'e']) {
      const f = run(seed);
      const cut = f.cut!;
      expect(cut).toMatchObject({ op: 0, kind: 'program', sector: 2, offset: base + 1024, length: 2048, torn: true });
      expect(cut.applied).toBeGreaterThanOrEqual(1);
      expect(cut.applied).toBeLessThanOrEqual(2047);
      splits.add(cut.applied);
      const sector = f.read(base, SECTOR_SIZE);
      // part old | part new | part 0xFF
      expect(sector.subarray(0, 1024)).toEqual(old);
      expect(sector.subarray(1024, 1024 + cut.applied)).toEqual(data.subarray(0, cut.applied));
      expect(sector.subarray(1024 + cut.applied)).toEqual(filled(SECTOR_SIZE - 1024 - cut.applied, 0xff));
      // Deterministic: the same seed tears at the same byte, to the same image.
      const again = run(seed);
      expect(again.cut).toEqual(cut);
      expectBytes(again.read(0, SIZE), f.read(0, SIZE));
      // Other sectors untouched.
      expect(f.read(0, base)).toEqual(START.subarray(0, base));
      expect(f.read(base + SECTOR_SIZE, SECTOR_SIZE)).toEqual(START.subarray(base + SECTOR_SIZE));
    }
    expect(splits.size).toBeGreaterThan(1);
  });

  it('torn program over programmed bytes still ANDs (NOR) in the prefix', () => {
    const inner = new MemoryFlash(SECTOR_SIZE);
    inner.program(0, filled(8, 0xf0));
    const f = new FaultyFlash(inner, { cutAfterOps: 0, torn: true, random: new SeededRandom(1) });
    expect(() => f.program(0, filled(8, 0x3c))).toThrow(PowerCut);
    const k = f.cut!.applied;
    expect(f.read(0, 8)).toEqual(Uint8Array.from({ length: 8 }, (_, i) => (i < k ? 0x30 : 0xf0)));
  });

  it('torn erase: a prefix erased, the rest old', () => {
    const old = START.subarray(SECTOR_SIZE, 2 * SECTOR_SIZE);
    const splits = new Set<number>();
    for (let seed = 0; seed < 5; seed++) {
      const f = new FaultyFlash(MemoryFlash.from(START), {
        cutAfterOps: 1,
        torn: true,
        random: new SeededRandom(seed),
      });
      f.program(0, Uint8Array.of(0));
      expect(() => f.erase(1)).toThrow(PowerCut);
      const cut = f.cut!;
      expect(cut).toMatchObject({
        op: 1,
        kind: 'erase',
        sector: 1,
        offset: SECTOR_SIZE,
        length: SECTOR_SIZE,
        torn: true,
      });
      expect(cut.applied).toBeGreaterThanOrEqual(1);
      expect(cut.applied).toBeLessThanOrEqual(SECTOR_SIZE - 1);
      splits.add(cut.applied);
      const sector = f.read(SECTOR_SIZE, SECTOR_SIZE);
      expect(sector.subarray(0, cut.applied)).toEqual(filled(cut.applied, 0xff));
      expect(sector.subarray(cut.applied)).toEqual(old.subarray(cut.applied));
      expect(f.read(0, 1)).toEqual(Uint8Array.of(0));
      // The torn erase is not a completed op in the wrapper's counters.
      expect(f.stats).toEqual({ erases: 0, programs: 1, bytesProgrammed: 1 });
    }
    expect(splits.size).toBeGreaterThan(1);
  });

  it("torn: 'random' decides per seed whether the op is torn, deterministically", () => {
    const outcomes = new Map<number, boolean>();
    for (let seed = 0; seed < 40; seed++) {
      const plan = (): FaultPlan => ({ cutAfterOps: 4, torn: 'random', random: new SeededRandom(`r${seed}`) });
      const a = runCut(START, plan());
      const b = runCut(START, plan());
      expect(a.error).toBeInstanceOf(PowerCut);
      expect(a.flash.cut).toEqual(b.flash.cut);
      expectBytes(a.flash.read(0, SIZE), b.flash.read(0, SIZE));
      const cut = a.flash.cut!;
      if (!cut.torn) {
        expect(cut.applied).toBe(0);
        expectBytes(a.flash.read(0, SIZE), reference(START, 4));
      }
      outcomes.set(seed, cut.torn);
    }
    const torn = [...outcomes.values()].filter(Boolean).length;
    expect(torn).toBeGreaterThan(0);
    expect(torn).toBeLessThan(outcomes.size);
  });

  it('a 1-byte torn program is either not applied or fully applied', () => {
    for (let seed = 0; seed < 10; seed++) {
      const f = new FaultyFlash(new MemoryFlash(SECTOR_SIZE), {
        cutAfterOps: 0,
        torn: true,
        random: new SeededRandom(seed),
      });
      expect(() => f.program(7, Uint8Array.of(0x12))).toThrow(PowerCut);
      const k = f.cut!.applied;
      expect([0, 1]).toContain(k);
      expect(f.read(7, 1)).toEqual(Uint8Array.of(k === 1 ? 0x12 : 0xff));
    }
  });

  it('the default Random makes torn cuts repeat', () => {
    const a = runCut(START, { cutAfterOps: 6, torn: true });
    const b = runCut(START, { cutAfterOps: 6, torn: true });
    expect(a.flash.cut).toEqual(b.flash.cut);
    expectBytes(a.flash.read(0, SIZE), b.flash.read(0, SIZE));
  });

  it('a cut past the end of the workload never fires', () => {
    const { flash, error } = runCut(START, { cutAfterOps: OPS.length });
    expect(error).toBeNull();
    expect(flash.powerLost).toBe(false);
    expect(flash.opsSoFar).toBe(OPS.length);
  });

  it('sweep: count the ops, then cut at every index; each surviving image is the prefix state (+ a torn sector)', () => {
    const counting = new FaultyFlash(MemoryFlash.from(START));
    workload(counting);
    const total = counting.opsSoFar;
    expect(total).toBe(OPS.length);
    for (let i = 0; i < total; i++) {
      for (const torn of [false, true]) {
        const { flash, error } = runCut(START, { cutAfterOps: i, torn, random: new SeededRandom(`sweep-${i}`) });
        expect(error).toBeInstanceOf(PowerCut);
        const rebooted = MemoryFlash.from(flash.read(0, flash.size));
        const before = reference(START, i);
        const after = reference(START, i + 1);
        const got = rebooted.read(0, SIZE);
        const cut = flash.cut!;
        // Outside the cut op's range the image is the state before op i; inside it, a prefix of op i's result.
        const lo = cut.offset;
        const hi = cut.offset + cut.length;
        expectBytes(got.subarray(0, lo), before.subarray(0, lo));
        expectBytes(got.subarray(hi), before.subarray(hi));
        expectBytes(got.subarray(lo, lo + cut.applied), after.subarray(lo, lo + cut.applied));
        expectBytes(got.subarray(lo + cut.applied, hi), before.subarray(lo + cut.applied, hi));
      }
    }
  });

  it('rejects bad plans', () => {
    const inner = new MemoryFlash(SECTOR_SIZE);
    expectFlashError(() => new FaultyFlash(inner, { cutAfterOps: -1 }), 'BadArgument');
    expectFlashError(() => new FaultyFlash(inner, { cutAfterOps: 1.5 }), 'BadArgument');
    expectFlashError(() => new FaultyFlash(inner, { torn: 'yes' as unknown as boolean }), 'BadArgument');
  });

  it('resetStats clears the counters but not the fault clock', () => {
    const f = new FaultyFlash(new MemoryFlash(SIZE), { cutAfterOps: 2 });
    f.erase(0);
    f.program(0, Uint8Array.of(1));
    f.resetStats();
    expect(f.stats).toEqual({ erases: 0, programs: 0, bytesProgrammed: 0 });
    expect(f.opsSoFar).toBe(2);
    expect(() => f.erase(1)).toThrow(PowerCut);
  });

  describe('over a FileFlash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pvault-flash-faulty-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('a torn erase lands in the file, and the image reopens with what survived', () => {
      const path = join(dir, 'torn.bin');
      const inner = FileFlash.create(path, SIZE);
      inner.program(SECTOR_SIZE, pattern(SECTOR_SIZE, 9));
      inner.sync();
      const f = new FaultyFlash(inner, { cutAfterOps: 0, torn: true, random: new SeededRandom('file') });
      expect(() => f.erase(1)).toThrow(PowerCut);
      const k = f.cut!.applied;
      const survived = f.read(0, SIZE);
      f.close();
      const reopened = FileFlash.open(path);
      const sector = reopened.read(SECTOR_SIZE, SECTOR_SIZE);
      expect(reopened.read(0, SIZE)).toEqual(survived);
      expect(sector.subarray(0, k)).toEqual(filled(k, 0xff));
      expect(sector.subarray(k)).toEqual(pattern(SECTOR_SIZE, 9).subarray(k));
      reopened.close();
    });
  });
});
