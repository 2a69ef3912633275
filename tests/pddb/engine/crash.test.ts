// Power cuts. A bounded version of the crash sweep (scripts/crash-sweep.ts runs every cut point), then the two
// mechanisms the sweep cannot cut finely enough, cut op by op with exact tear points: the page-table update through
// the MBBB, and the FastSpace log and master-record rewrite. Plus a cut basis deletion.
//
// Bounded so the file takes seconds on a busy machine: each suite cuts a seeded sample (every op still gets a clean
// cut where it did before; the tear points and the sweep's cut points are sampled). CRASH_SWEEP_SEED=S draws another
// sample; CRASH_SWEEP_FULL=1 cuts at every op with every tear point (minutes).
import { describe, expect, it } from 'vitest';
import { SeededRandom, randomBytes, shuffle, type Random } from '../../../lib/random.ts';
import { FastSpace } from '../../../pddb/engine/fastspace.ts';
import { PageTable, type TableStep } from '../../../pddb/engine/pagetable.ts';
import { PddbEngine } from '../../../pddb/engine/engine.ts';
import { PddbError } from '../../../pddb/errors.ts';
import { PowerCut } from '../../../pddb/flash/errors.ts';
import { FaultyFlash } from '../../../pddb/flash/faulty.ts';
import type { Flash } from '../../../pddb/flash/flash.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { PAGE_SIZE, PTE_SIZE, TEST_PDDB_LEN } from '../../../pddb/format/constants.ts';
import {
  FASTSPACE_PAGES,
  SPACE_UPDATE_SIZE,
  SpaceState,
  encodeSpaceUpdate,
  sealMasterRecord,
} from '../../../pddb/format/fastspace.ts';
import { ecbEncrypt } from '../../../pddb/crypto/ecb.ts';
import { FSCB_PAGES, MBBB_PAGES, computeLayout } from '../../../pddb/format/layout.ts';
import {
  TracingFlash,
  checkCut,
  countOps as countSweepOps,
  setupSweep,
  type TracedOp,
} from '../../../scripts/lib/crash-sweep-lib.ts';

const layout = computeLayout(TEST_PDDB_LEN);
const ENTRIES_PER_PAGE = PAGE_SIZE / PTE_SIZE;
const FULL = process.env.CRASH_SWEEP_FULL === '1';
const SEED = process.env.CRASH_SWEEP_SEED ?? 'crash-test';
/** Slow work on a machine shared with other CPU-bound processes: generous, never a speed assertion. */
const SLOW = { timeout: FULL ? 3_600_000 : 180_000 };

/** Up to `n` of `all`, drawn with the named seeded stream (every one with CRASH_SWEEP_FULL=1), in their order. */
function sample<T>(stream: string, all: T[], n: number): T[] {
  if (FULL || all.length <= n) return all;
  const chosen = new Set(shuffle(new SeededRandom(`${SEED}/${stream}`), [...all.keys()]).slice(0, n));
  return all.filter((_, i) => chosen.has(i));
}

/** A Random whose first draw makes FaultyFlash tear an op after exactly `applied` bytes. */
class ExactTear implements Random {
  private first = true;
  constructor(private readonly applied: number) {}
  fill(out: Uint8Array): Uint8Array {
    out.fill(0);
    if (this.first && out.length >= 4) {
      new DataView(out.buffer, out.byteOffset).setUint32(0, this.applied - 1, true);
      this.first = false;
    }
    return out;
  }
}

/** Tear points worth trying on an op of `length` bytes: the edges of an entry, of a page, and the middle. */
function tearPoints(length: number): number[] {
  const all = [1, 2, 8, 15, 16, 17, 31, 32, 33, 100, 2048, 4063, 4064, 4065, 4079, 4080, 4081, 4088, 4094, 4095];
  return all.filter((n) => n < length);
}

/** Run `work` over a copy of `image` with a cut at `op` (torn after `applied` bytes, or not torn); the survivor. */
function cutRun(image: Uint8Array, op: number, applied: number | null, work: (f: Flash) => void): Uint8Array | null {
  const inner = MemoryFlash.from(image);
  const f = new FaultyFlash(inner, { cutAfterOps: op, torn: applied !== null, random: new ExactTear(applied ?? 1) });
  try {
    work(f);
  } catch (e) {
    if (e instanceof PowerCut) return inner.snapshot();
    throw e;
  }
  return null;
}

function countOps(image: Uint8Array, work: (f: Flash) => void): number {
  const f = new FaultyFlash(MemoryFlash.from(image));
  work(f);
  return f.opsSoFar;
}

describe('crash sweep (bounded: one cut point per kind of op, seeded; torn or not)', () => {
  it('never loses an acknowledged write, always mounts, and recovers', SLOW, () => {
    const setup = setupSweep('sweep', 24);
    const { trace, violations } = countSweepOps(setup);
    expect(violations, 'the clean run').toEqual([]);
    // Every kind of op (erase/program of the table, key page, MBBB, FSCB log and master, data) is cut once, at an
    // occurrence the seed picks; the whole sweep is scripts/crash-sweep.ts.
    const points = FULL ? trace.map((_, op) => op) : sampledKinds(trace);
    const report: string[] = [];
    points.forEach((op, i) => {
      for (const torn of FULL ? [false, true] : [i % 2 === 1]) {
        const r = checkCut(setup, op, torn);
        const repeat = `node --import tsx scripts/crash-sweep.ts --phase ${op} --stride ${trace.length}${torn ? ' --torn only' : ' --torn never'}`;
        if (r.violations.length > 0)
          report.push(
            `op ${op}${torn ? ' torn' : ''} [${r.step}] ${r.what} (repeat: ${repeat})\n  ${r.violations.join('\n  ')}`,
          );
      }
    });
    expect(report, report.join('\n')).toEqual([]);
    expect(points.length).toBeGreaterThanOrEqual(8);
  });
});

/** One op of each kind (kind of flash op and region), at an occurrence drawn from the seed; in op order. */
function sampledKinds(trace: TracedOp[]): number[] {
  const byKind = new Map<string, number[]>();
  trace.forEach((op, i) => {
    const kind = `${op.kind}/${op.region}`;
    const list = byKind.get(kind);
    if (list) list.push(i);
    else byKind.set(kind, [i]);
  });
  return [...byKind].flatMap(([kind, ops]) => sample(`sweep/${kind}`, ops, 1)).sort((x, y) => x - y);
}

describe('page-table update through the MBBB, cut at every op', () => {
  const key = randomBytes(new SeededRandom('pt-key'), 32);
  const table = (pt: PageTable) => {
    const out: Uint8Array[] = [];
    for (let p = 0; p < layout.ptPages; p++) {
      const page = new Uint8Array(PAGE_SIZE);
      for (let e = 0; e < ENTRIES_PER_PAGE; e++) page.set(pt.entry(p * ENTRIES_PER_PAGE + e), e * PTE_SIZE);
      out.push(page);
    }
    return out;
  };
  const load = (f: Flash, seed: string) => PageTable.load(f, layout, new SeededRandom(seed));
  const mapsOn = (page: number, n: number, tag: number) =>
    Array.from({ length: n }, (_, i) => ({
      phys: page * ENTRIES_PER_PAGE + ((i * 37 + tag) % ENTRIES_PER_PAGE),
      vpage: 1000 * tag + i,
      nonce: tag * 100 + i,
    }));

  // A formatted table with a few updates behind it (the last one of page 1).
  const base = new MemoryFlash(TEST_PDDB_LEN);
  PageTable.format(base, layout, new SeededRandom('pt-format'));
  const warm = load(base, 'pt-warm');
  warm.update(key, mapsOn(0, 5, 1), []);
  warm.update(key, mapsOn(1, 3, 2), []);
  const image = base.snapshot();

  // The last flag: the update changes every entry of a page, which goes as two page writes (255 entries, then 1).
  const scenarios: [string, (pt: PageTable) => void, boolean][] = [
    ['another page', (pt) => pt.update(key, mapsOn(2, 4, 3), []), false],
    ['the page updated last, again', (pt) => pt.update(key, mapsOn(1, 2, 4), [ENTRIES_PER_PAGE + 5]), false],
    ['two pages in one update', (pt) => pt.update(key, mapsOn(0, 2, 5), [3 * ENTRIES_PER_PAGE + 7]), false],
    [
      'every entry of a page',
      (pt) =>
        pt.update(
          key,
          [],
          Array.from({ length: ENTRIES_PER_PAGE }, (_, i) => 2 * ENTRIES_PER_PAGE + i),
        ),
      true,
    ],
  ];
  /** Each entry old or new, and the changed ones all old or all new (or, split, all but the last new). */
  const pageOk = (got: Uint8Array, old: Uint8Array, next: Uint8Array, split: boolean): boolean => {
    let changed = 0;
    let taken = 0;
    let lastTaken = false;
    for (let e = 0; e < ENTRIES_PER_PAGE; e++) {
      const [g, o, n] = [got, old, next].map((b) => Buffer.from(b.subarray(e * PTE_SIZE, (e + 1) * PTE_SIZE)));
      if (!g.equals(o) && !g.equals(n)) return false;
      if (o.equals(n)) continue;
      changed++;
      lastTaken = g.equals(n);
      if (lastTaken) taken++;
    }
    return taken === 0 || taken === changed || (split && taken === changed - 1 && !lastTaken);
  };

  for (const [name, update, split] of scenarios) {
    it(`leaves each table page whole, old or new: ${name}`, SLOW, () => {
      const before = table(load(MemoryFlash.from(image), 'x'));
      const doneFlash = MemoryFlash.from(image);
      update(load(doneFlash, 'pt-run'));
      const after = table(load(doneFlash, 'x'));
      const work = (f: Flash) => update(load(f, 'pt-run'));
      const ops = countOps(image, work);
      expect(ops).toBeGreaterThan(3);
      let cuts = 0;
      for (let op = 0; op < ops; op++) {
        for (const applied of [null, ...sample(`pt/${name}/${op}`, tearPoints(PAGE_SIZE), 2)]) {
          const survivor = cutRun(image, op, applied, work);
          expect(survivor).not.toBeNull();
          cuts++;
          const flash = MemoryFlash.from(survivor!);
          const got = table(load(flash, 'x'));
          for (let p = 0; p < layout.ptPages; p++) {
            expect(
              pageOk(got[p], before[p], after[p], split),
              `op ${op} torn ${applied}: table page ${p} is neither old nor new`,
            ).toBe(true);
          }
          // Recovery: the next update starts from what the cut left (restoring a table page from a complete shadow
          // first), and a reboot after it sees exactly that.
          const recovering = load(flash, 'pt-recover');
          recovering.update(key, mapsOn(3, 1, 9), []);
          const expected = table(recovering);
          const rebooted = table(load(flash, 'x'));
          for (let p = 0; p < layout.ptPages; p++) {
            expect(
              Buffer.from(rebooted[p]).equals(Buffer.from(expected[p])),
              `op ${op} torn ${applied}: page ${p} after recovery`,
            ).toBe(true);
          }
        }
      }
      expect(cuts).toBeGreaterThanOrEqual(3 * ops);
    });
  }

  it(
    'keeps the order of steps, in one MBBB cycle or several: a later step reaches flash only with every earlier one',
    SLOW,
    () => {
      const at = (page: number, e: number) => page * ENTRIES_PER_PAGE + e;
      // Pages 0 and 1 take step 0; page 2 step 1 (and page 0 again: one cycle still orders 1, 0, 2); step 2 touches
      // page 1 again, which an order can no longer honour (page 2 lies between): a second cycle.
      const steps: TableStep[] = [
        { map: [...mapsOn(0, 2, 6), ...mapsOn(1, 1, 8)], erase: [] }, // distinct tags: no two identical entries
        { map: mapsOn(2, 2, 7), erase: [at(0, 200)] },
        { map: [], erase: [at(1, 201), at(3, 9)] },
      ];
      const stepOf = new Map<number, number>();
      steps.forEach((st, i) => [...st.map.map((m) => m.phys), ...st.erase].forEach((phys) => stepOf.set(phys, i)));
      const entries = (pt: PageTable) => new Map([...stepOf.keys()].map((phys) => [phys, Buffer.from(pt.entry(phys))]));
      const before = entries(load(MemoryFlash.from(image), 'x'));
      const doneFlash = MemoryFlash.from(image);
      load(doneFlash, 'pt-run').updateInSteps(key, steps);
      const after = entries(load(doneFlash, 'x'));
      const work = (f: Flash) => load(f, 'pt-run').updateInSteps(key, steps);
      const ops = countOps(image, work);
      for (let op = 0; op < ops; op++) {
        for (const applied of [null, ...sample(`pt/steps/${op}`, tearPoints(PAGE_SIZE), 2)]) {
          const got = entries(load(MemoryFlash.from(cutRun(image, op, applied, work)!), 'x'));
          const done = steps.map(() => ({ some: false, all: true }));
          for (const [phys, g] of got) {
            const isNew = g.equals(after.get(phys)!);
            expect(
              isNew || g.equals(before.get(phys)!),
              `op ${op} torn ${applied}: entry ${phys} is neither old nor new`,
            ).toBe(true);
            const d = done[stepOf.get(phys)!];
            d.some ||= isNew;
            d.all &&= isNew;
          }
          done.forEach((d, i) => {
            if (d.some)
              for (let j = 0; j < i; j++)
                expect(done[j].all, `op ${op} torn ${applied}: step ${i} is on flash, step ${j} not whole`).toBe(true);
          });
        }
      }
    },
  );

  it("reads an image in the original's state: one MBBB copy, its table page blank", () => {
    const flash = MemoryFlash.from(image);
    const want = table(load(flash, 'x'));
    // The original's steady state for page 2: the only MBBB page holds it, the table page is erased.
    for (let s = 0; s < MBBB_PAGES; s++) flash.erase(layout.mbbbOffset / PAGE_SIZE + s);
    flash.program(layout.mbbbOffset + 4 * PAGE_SIZE, want[2]);
    flash.erase(layout.ptOffset / PAGE_SIZE + 2);
    const got = table(load(flash, 'x'));
    for (let p = 0; p < layout.ptPages; p++) expect(Buffer.from(got[p]).equals(Buffer.from(want[p]))).toBe(true);
  });
});

describe('FastSpace, cut at every op', () => {
  const keys = { pt: randomBytes(new SeededRandom('fs-pt'), 32), data: randomBytes(new SeededRandom('fs-data'), 32) };
  const allPages = Array.from({ length: layout.dataPages }, (_, i) => i);

  /** A small reserve, so that the runs rewrite the master record many times. */
  const opts = { reserveSlack: 6 };

  /** Allocations, releases and flushes; `live` is what a caller would have mapped when the cut comes. */
  function activity(fs: FastSpace, live: Set<number>, rng: SeededRandom, steps: number): void {
    for (let i = 0; i < steps; i++) {
      if (i % 25 === 24) fs.flush(); // releases listed again
      const [r] = rng.fill(new Uint8Array(1));
      if (r % 3 === 0 && live.size > 0) {
        const p = [...live][r % live.size];
        live.delete(p); // the caller unmaps before it releases
        fs.release(p);
      } else {
        const p = fs.allocate((q) => live.has(q));
        if (p === null) throw new Error('FastSpace ran dry');
        live.add(p);
      }
    }
  }

  function checkSafe(image: Uint8Array, live: Set<number>, label: string, expectSpace: boolean): void {
    const flash = MemoryFlash.from(image);
    const fs = FastSpace.load(flash, layout, keys, 0n, new SeededRandom('reload'), opts);
    const offered = fs.allocatable().filter((p) => live.has(p));
    expect(offered, `${label}: offers live pages`).toEqual([]);
    if (expectSpace) expect(fs.available, `${label}: the cache came back empty`).toBeGreaterThan(0);
    if (fs.available < 50) return; // the fallback's empty cache: nothing to hand out until rebuildSpace
    // It keeps working, and stays safe across another reboot.
    const more = new Set(live);
    activity(fs, more, new SeededRandom(`${label}/more`), 40);
    const again = FastSpace.load(
      MemoryFlash.from(flash.snapshot()),
      layout,
      keys,
      0n,
      new SeededRandom('reload2'),
      opts,
    );
    expect(
      again.allocatable().filter((p) => more.has(p)),
      `${label}: unsafe after recovery`,
    ).toEqual([]);
  }

  function sweepFastSpace(prepare: (f: Flash) => void, expectSpace: boolean): void {
    {
      const base = new MemoryFlash(TEST_PDDB_LEN);
      const fs0 = FastSpace.create(base, layout, keys, 0n, new SeededRandom('fs-create'), allPages, opts);
      const live0 = new Set<number>();
      activity(fs0, live0, new SeededRandom('fs-warm'), 60);
      prepare(base);
      const image = base.snapshot();
      let live = new Set<number>();
      const work = (f: Flash) => {
        live = new Set(live0);
        const fs = FastSpace.load(f, layout, keys, 0n, new SeededRandom('fs-run'), opts);
        activity(fs, live, new SeededRandom('fs-steps'), 260);
      };
      const tracing = new TracingFlash(MemoryFlash.from(image));
      work(tracing);
      const rewriting = (op: number) => tracing.ops[op].kind === 'erase' || tracing.ops[op].region === 'fscb-master';
      const all = tracing.ops.map((_, op) => op);
      const rewrites = all.filter(rewriting);
      expect(rewrites.length).toBeGreaterThan(4);
      // A sample of the ops of master rewrites (every one with CRASH_SWEEP_FULL=1), clean and torn at sampled tear
      // points. (FastSpace writes no log: a rewrite is all it does.)
      expect(all.filter((op) => !rewriting(op))).toEqual([]);
      for (const op of sample('fs/rewrite', rewrites, 24)) {
        const tears = [null, ...sample(`fs/${op}`, [1, 15, 16, 2048, 4080, 4081, 4095], 2)];
        for (const applied of tears) {
          const survivor = cutRun(image, op, applied, work);
          checkSafe(
            survivor!,
            live,
            `op ${op} (${tracing.ops[op].kind} ${tracing.ops[op].region}) torn ${applied}`,
            expectSpace,
          );
        }
      }
    }
  }

  it('never offers a live page: log records and master rewrites', SLOW, () => {
    sweepFastSpace(() => {}, true);
  });

  it('never offers a live page when the FSCB has no blank pair (erase-then-write fallback)', SLOW, () => {
    // Debris in every blank FSCB page: the rewrite cannot write the new master beside the old one.
    sweepFastSpace((f) => {
      for (let i = 0; i < FSCB_PAGES; i++) {
        const at = layout.fscbOffset + i * PAGE_SIZE;
        if (f.read(at, PAGE_SIZE).every((b) => b === 0xff)) f.program(at + 16 * 200, new Uint8Array(16).fill(0x5a));
      }
    }, false);
  });

  it('replays a log only where it forms a chain (Free 15 -> Used 0 is not Free again), and drops it at the next rewrite', () => {
    const flash = new MemoryFlash(TEST_PDDB_LEN);
    const entries = [
      { page: 10, state: SpaceState.Free, journal: 15 },
      { page: 11, state: SpaceState.Free, journal: 14 },
      { page: 12, state: SpaceState.Free, journal: 3 },
    ];
    const record = sealMasterRecord(keys.data, randomBytes(new SeededRandom('n'), 12), entries, 0n);
    for (let p = 0; p < FASTSPACE_PAGES; p++)
      flash.program(layout.fscbOffset + p * PAGE_SIZE, record.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE));
    // A log as the original (or this engine before issue 7) writes it: 10 taken; 11 taken and given back.
    const log = new Uint8Array(PAGE_SIZE).fill(0xff);
    const rng = new SeededRandom('log');
    const records = [
      { page: 10, state: SpaceState.Used, journal: 0 },
      { page: 11, state: SpaceState.Used, journal: 15 },
      { page: 11, state: SpaceState.Dirty, journal: 0 },
    ];
    records.forEach((r, i) =>
      log.set(ecbEncrypt(keys.pt, encodeSpaceUpdate(r, randomBytes(rng, 8))), (i + 1) * SPACE_UPDATE_SIZE),
    );
    flash.program(layout.fscbOffset + 5 * PAGE_SIZE, log);
    const fs = FastSpace.load(flash, layout, keys, 0n, new SeededRandom('a'));
    expect(fs.allocatable().sort((a, b) => a - b)).toEqual([11, 12]);
    fs.flush();
    const fscb = flash.read(layout.fscbOffset, FSCB_PAGES * PAGE_SIZE);
    const written = [...Array(FSCB_PAGES).keys()].filter(
      (i) => !fscb.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE).every((b) => b === 0xff),
    );
    expect(written, 'only the new master record is left').toHaveLength(FASTSPACE_PAGES);
    const again = FastSpace.load(MemoryFlash.from(flash.snapshot()), layout, keys, 0n, new SeededRandom('b'));
    expect(again.allocatable().sort((a, b) => a - b)).toEqual([11, 12]);
  });
});

describe('a basis deletion cut at every op', () => {
  it('leaves the basis whole or gone, and a new basis of that name and password starts empty', SLOW, () => {
    const flash = new MemoryFlash(TEST_PDDB_LEN);
    const keybox = PddbEngine.format(flash, { pin: '1', random: new SeededRandom('del-format') });
    const e = PddbEngine.mount(flash, keybox, '1', { random: new SeededRandom('del-mount') });
    e.createBasis('doomed', 'pw');
    e.unlockBasis('doomed', 'pw');
    const values = new Map<string, Uint8Array>();
    const rng = new SeededRandom('del-values');
    for (let i = 0; i < 12; i++) {
      const v = rng.fill(new Uint8Array(i % 4 === 0 ? 9000 : 50 + i));
      e.write(e.get(`d${i % 3}`, `k${i}`, { basis: 'doomed', createDict: true, createKey: true }), 0, v);
      values.set(`d${i % 3}/k${i}`, v);
    }
    e.lockBasis('doomed');
    const image = flash.snapshot();
    const work = (f: Flash) => {
      const eng = PddbEngine.mount(f, keybox, '1', { random: new SeededRandom('del-run') });
      eng.unlockBasis('doomed', 'pw');
      eng.deleteBasis('doomed');
    };
    const ops = countOps(image, work);
    // Ops while the table is being updated (the deletion itself), then the scrubbing: a seeded sample of each.
    const all = Array.from({ length: ops }, (_, op) => op);
    for (const op of [...sample('del/table', all.slice(0, 48), 12), ...sample('del/scrub', all.slice(48), 6)]) {
      for (const applied of op % 2 === 0 ? [null] : [2000]) {
        const survivor = cutRun(image, op, applied, work)!;
        const rebooted = MemoryFlash.from(survivor);
        const eng = PddbEngine.mount(rebooted, keybox, '1', { random: new SeededRandom('del-check') });
        let present = true;
        try {
          eng.unlockBasis('doomed', 'pw');
        } catch (err) {
          expect(err).toBeInstanceOf(PddbError);
          expect((err as PddbError).code).toBe('AccessDenied');
          present = false;
        }
        if (present) {
          for (const [path, v] of values) {
            const [d, k] = path.split('/');
            expect(
              Buffer.from(eng.readAll(eng.get(d, k, { basis: 'doomed' }))).equals(Buffer.from(v)),
              `op ${op}: ${path}`,
            ).toBe(true);
          }
          continue;
        }
        eng.createBasis('doomed', 'pw');
        eng.unlockBasis('doomed', 'pw');
        expect(eng.listDicts('doomed'), `op ${op}: the re-created basis inherits pages`).toEqual([]);
        eng.sync();
        const again = PddbEngine.mount(MemoryFlash.from(rebooted.snapshot()), keybox, '1', {
          random: new SeededRandom('del-again'),
        });
        again.unlockBasis('doomed', 'pw');
        expect(again.listDicts('doomed'), `op ${op}: after a remount`).toEqual([]);
      }
    }
  });
});

describe('a key deleted and re-created in one sync', () => {
  // deleteKey + createKey of one name in one sync: if createKey took the lowest free slot, in another descriptor
  // page than the deleted one, a cut between the two descriptor pages' table updates would leave two valid
  // descriptors of that name, and the hidden one would come back once the shown one is deleted. createKey reuses
  // the slot the same name freed since the last commit, so both versions live in one descriptor page.
  it('cannot resurface after a later, acknowledged delete when a cut hits its sync', SLOW, () => {
    const flash = new MemoryFlash(TEST_PDDB_LEN);
    const keybox = PddbEngine.format(flash, { pin: '1', random: new SeededRandom('f') });
    const e = PddbEngine.mount(flash, keybox, '1', { random: new SeededRandom('m') });
    for (let i = 0; i < 40; i++)
      e.write(e.get('d', `k${i}`, { createDict: true, createKey: true }), 0, new Uint8Array([i]));
    e.sync();
    e.deleteKey('d', 'k4'); // slot 5 is free from now on
    e.sync();
    const image = flash.snapshot();
    const work = (f: Flash) => {
      const x = PddbEngine.mount(f, keybox, '1', { random: new SeededRandom('w') });
      x.deleteKey('d', 'k35'); // slot 36, second descriptor page
      x.write(x.get('d', 'k35', { createKey: true }), 0, new Uint8Array([99])); // slot 5, first descriptor page
      x.sync();
    };
    // (With these seeds the two descriptor pages' entries lie in different table pages: ops 17-22 show it.)
    for (let op = 10; op < 30; op++) {
      const rebooted = MemoryFlash.from(cutRun(image, op, null, work)!);
      const y = PddbEngine.mount(rebooted, keybox, '1', { random: new SeededRandom('dup-check') });
      if (!y.listKeys('d').includes('k35')) continue;
      y.deleteKey('d', 'k35');
      y.sync();
      const z = PddbEngine.mount(MemoryFlash.from(rebooted.snapshot()), keybox, '1', {
        random: new SeededRandom('dup-again'),
      });
      expect(z.listKeys('d'), `op ${op}: k35 was deleted and the delete acknowledged`).not.toContain('k35');
    }
  });
});

describe('power cut after power cut (found by scripts/kill-sweep.ts: each cut strands the pages its sync took from FastSpace)', () => {
  it(
    'keeps every acknowledged value; once the cache runs dry it says what to do, and every basis present recovers it',
    SLOW,
    () => {
      let flash = new MemoryFlash(TEST_PDDB_LEN);
      const keybox = PddbEngine.format(flash, { pin: '1', random: new SeededRandom('dry-format') });
      const rng = new SeededRandom('dry-values');
      const acked = new Map<string, Uint8Array>();
      let dry: unknown = null;
      for (let i = 0; i < 80 && dry === null; i++) {
        // Three writes cut during their sync, then one that completes.
        const cut = i % 4 !== 3;
        const f = cut ? new FaultyFlash(flash, { cutAfterOps: 12 }) : flash;
        const key = `k${i % 6}`;
        const value = rng.fill(new Uint8Array(i % 2 === 0 ? 8000 : 46));
        try {
          const e = PddbEngine.mount(f, keybox, '1', { random: new SeededRandom(`dry-${i}`) });
          const h = e.get('d', key, { createDict: true, createKey: true });
          e.truncate(h, 0);
          e.write(h, 0, value);
          e.sync();
          if (!cut) acked.set(key, value);
        } catch (err) {
          if (!(err instanceof PowerCut)) dry = err;
          else acked.delete(key); // old or new: the next completed write of this key settles it
        }
        flash = MemoryFlash.from(flash.snapshot());
      }
      const e = PddbEngine.mount(flash, keybox, '1', { random: new SeededRandom('dry-check') });
      for (const [key, v] of acked)
        expect(Buffer.from(e.readAll(e.get('d', key))).equals(Buffer.from(v)), key).toBe(true);
      if (dry === null) return; // the cache never ran dry: nothing more to check
      // Ordinary use after power cuts may only stop for a dry cache, never for damage the cuts left.
      expect(dry, `a write after power cuts failed: ${String(dry)}`).toBeInstanceOf(PddbError);
      expect((dry as PddbError).code, `a write after power cuts failed: ${String(dry)}`).toBe('NoFreeSpace');
      expect((dry as PddbError).message).toMatch(/rebuildspace --all-bases-present/);
      e.rebuildSpace({ allBasesPresent: true });
      e.write(e.get('d', 'after', { createKey: true }), 0, new Uint8Array(5000).fill(3));
      e.sync();
      const again = PddbEngine.mount(MemoryFlash.from(flash.snapshot()), keybox, '1', {
        random: new SeededRandom('dry-again'),
      });
      for (const [key, v] of acked)
        expect(Buffer.from(again.readAll(again.get('d', key))).equals(Buffer.from(v)), key).toBe(true);
      expect(again.readAll(again.get('d', 'after')).length).toBe(5000);
    },
  );
});
