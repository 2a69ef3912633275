// The crash sweep: a scripted, seeded workload over a FaultyFlash, replayed once per cut point, and the checks run
// on what survives each cut. Shared by tests/pddb/engine/crash.test.ts (a bounded sweep) and scripts/crash-sweep.ts
// (every cut point). No vitest in here: violations come back as strings.
//
// The model keeps, per basis, what the last completed ack (sync, lock, create, delete returning) made durable
// (`acked`) and what the engine holds now (`current`). After a cut:
//   - the image mounts, and every basis whose creation was acknowledged (and whose deletion was not) unlocks;
//   - a key not touched since its last ack reads exactly its acknowledged value (or stays absent);
//   - a key changed since then (the interrupted sync) reads its acknowledged value or its new one, whole. A LARGE
//     key whose acknowledged version was already large may also mix the two page by page (4064-byte chunks) under
//     its old length: dictionary.ts promises no more for a cut during its sync (pages are copy-on-write one by
//     one; the descriptor switches afterwards);
//   - a dict is listed iff the model allows it (acked and current agree, or either when they differ);
//   - nothing else appears: no extra dicts, no extra keys, no deleted-and-acknowledged key;
//   - FastSpace offers no page that any basis maps, and no physical page is mapped by two bases;
//   - recovery: sync, then no virtual page is mapped twice, a remount shows exactly what the first one showed, and
//     the engine keeps working (write + sync + remount).
import { MemoryFlash } from '../../pddb/flash/memory.ts';
import { FaultyFlash } from '../../pddb/flash/faulty.ts';
import { PowerCut } from '../../pddb/flash/errors.ts';
import type { Flash } from '../../pddb/flash/flash.ts';
import { PddbEngine } from '../../pddb/engine/engine.ts';
import { PageTable } from '../../pddb/engine/pagetable.ts';
import type { Store } from '../../pddb/engine/store.ts';
import { PddbError } from '../../pddb/errors.ts';
import { SeededRandom } from '../../lib/random.ts';
import { PAGE_SIZE, TEST_PDDB_LEN, VPAGE_SIZE } from '../../pddb/format/constants.ts';
import { computeLayout } from '../../pddb/format/layout.ts';

export const SWEEP_PIN = '2468';
const SYSTEM = '.System';
const PASSWORDS: Record<string, string> = { secret: 'hunter2', temp: 'correct horse' };
/** FastSpace reserve during the sweep: small, so the workload rewrites the master record many times. */
const SWEEP_FASTSPACE = { reserveSlack: 2 };

type Contents = Map<string, Map<string, Uint8Array>>;

function cloneContents(c: Contents): Contents {
  return new Map([...c].map(([d, keys]) => [d, new Map([...keys].map(([k, v]) => [k, v.slice()]))]));
}

class BasisModel {
  ackedExists = false;
  currentExists = false;
  acked: Contents = new Map();
  current: Contents = new Map();
  /** dict\0key of keys that are large (they stay large once they are). */
  largeAcked = new Set<string>();
  largeCurrent = new Set<string>();
  open = false;

  ack(): void {
    this.acked = cloneContents(this.current);
    this.largeAcked = new Set(this.largeCurrent);
    this.ackedExists = this.currentExists;
  }
}

export class SweepModel {
  readonly bases = new Map<string, BasisModel>();
  constructor() {
    const sys = this.basis(SYSTEM);
    sys.ackedExists = sys.currentExists = sys.open = true;
  }
  basis(name: string): BasisModel {
    let b = this.bases.get(name);
    if (!b) this.bases.set(name, (b = new BasisModel()));
    return b;
  }
}

/** The workload's view of the engine: every call goes to the engine and to the model. */
class Driver {
  readonly model = new SweepModel();
  private readonly rng: SeededRandom;
  private current = 'mount';

  constructor(
    readonly engine: PddbEngine,
    seed: string,
    private readonly onStep?: (step: string) => void,
  ) {
    this.rng = new SeededRandom(`${seed}/data`);
  }

  /** Description of the step in progress (for reports). */
  get step(): string {
    return this.current;
  }

  set step(s: string) {
    this.current = s;
    this.onStep?.(s);
  }

  bytes(n: number): Uint8Array {
    return this.rng.fill(new Uint8Array(n));
  }

  below(n: number): number {
    const b = this.rng.fill(new Uint8Array(4));
    return (((b[0] | (b[1] << 8) | (b[2] << 16)) >>> 0) + b[3] * 2 ** 24) % n;
  }

  private value(basis: string, dict: string, key: string): Uint8Array | undefined {
    return this.model.basis(basis).current.get(dict)?.get(key);
  }

  /** Create the key if needed, then replace its whole value. */
  put(basis: string, dict: string, key: string, value: Uint8Array): void {
    const h = this.engine.get(dict, key, { basis, createDict: true, createKey: true });
    this.engine.truncate(h, 0);
    this.engine.write(h, 0, value);
    const b = this.model.basis(basis);
    let d = b.current.get(dict);
    if (!d) b.current.set(dict, (d = new Map()));
    if (!d.has(key)) b.largeCurrent.delete(`${dict}\0${key}`);
    d.set(key, value.slice());
    if (value.length >= VPAGE_SIZE) b.largeCurrent.add(`${dict}\0${key}`);
  }

  /** Write `data` at `offset` of an existing key (zero-filling any gap). */
  patch(basis: string, dict: string, key: string, offset: number, data: Uint8Array): void {
    const old = this.value(basis, dict, key);
    if (!old) throw new Error(`workload bug: patch of absent ${dict}:${key}`);
    this.engine.write(this.engine.get(dict, key, { basis }), offset, data);
    const next = new Uint8Array(Math.max(old.length, offset + data.length));
    next.set(old);
    next.set(data, offset);
    const b = this.model.basis(basis);
    b.current.get(dict)!.set(key, next);
    if (next.length >= VPAGE_SIZE) b.largeCurrent.add(`${dict}\0${key}`);
  }

  truncate(basis: string, dict: string, key: string, length: number): void {
    const old = this.value(basis, dict, key)!;
    this.engine.truncate(this.engine.get(dict, key, { basis }), length);
    if (length < old.length) this.model.basis(basis).current.get(dict)!.set(key, old.slice(0, length));
  }

  deleteKey(basis: string, dict: string, key: string): void {
    this.engine.deleteKey(dict, key, basis);
    const b = this.model.basis(basis);
    b.current.get(dict)!.delete(key);
    b.largeCurrent.delete(`${dict}\0${key}`);
  }

  deleteDict(basis: string, dict: string): void {
    this.engine.deleteDict(dict, basis);
    const b = this.model.basis(basis);
    for (const k of b.current.get(dict)?.keys() ?? []) b.largeCurrent.delete(`${dict}\0${k}`);
    b.current.delete(dict);
  }

  createDict(basis: string, dict: string): void {
    try {
      this.engine.get(dict, '_probe', { basis, createDict: true });
    } catch (e) {
      if (!(e instanceof PddbError && e.code === 'NotFound')) throw e;
    }
    const b = this.model.basis(basis);
    if (!b.current.has(dict)) b.current.set(dict, new Map());
  }

  sync(): void {
    this.engine.sync();
    for (const b of this.model.bases.values()) if (b.open) b.ack();
  }

  createBasis(name: string): void {
    const b = this.model.basis(name);
    b.currentExists = true;
    b.current = new Map();
    b.largeCurrent = new Set();
    this.engine.createBasis(name, PASSWORDS[name]);
    b.ack();
  }

  unlock(name: string): void {
    this.engine.unlockBasis(name, PASSWORDS[name]);
    this.model.basis(name).open = true;
  }

  lock(name: string): void {
    this.engine.lockBasis(name);
    const b = this.model.basis(name);
    b.ack();
    b.open = false;
  }

  deleteBasis(name: string): void {
    const b = this.model.basis(name);
    b.currentExists = false;
    // Unsynced changes die with the basis; what may survive a cut is the acknowledged content only.
    b.current = cloneContents(b.acked);
    b.largeCurrent = new Set(b.largeAcked);
    this.engine.deleteBasis(name);
    b.ackedExists = false;
    b.acked = new Map();
    b.current = new Map();
    b.largeAcked = new Set();
    b.largeCurrent = new Set();
    b.open = false;
  }

  keysOf(basis: string, dict: string): string[] {
    return [...(this.model.basis(basis).current.get(dict)?.keys() ?? [])];
  }
}

/** The scripted workload. Deterministic for a given seed; ~all of its flash ops happen in sync/lock/create/delete. */
function workload(w: Driver, rounds: number): void {
  const S = 'secret';
  w.step = 'create secret';
  w.createBasis(S);
  w.unlock(S);

  w.step = 'phase 1: populate';
  for (let i = 0; i < 5; i++) w.put(SYSTEM, 'sys.prefs', `p${i}`, w.bytes(20 + 60 * i));
  for (let i = 0; i < 10; i++) w.put(S, 'vault.pw', `k${i}`, w.bytes(10 + 97 * i));
  for (let i = 0; i < 4; i++) w.put(S, 'vault.totp', `t${i}`, w.bytes(40 + i));
  w.put(S, 'vault.blobs', 'big0', w.bytes(10_000));
  w.put(S, 'vault.blobs', 'big1', w.bytes(18_000));
  w.put(S, 'vault.blobs', 'small', w.bytes(33));
  w.sync();

  w.step = 'phase 2: overwrite, patch, create, delete';
  w.put(S, 'vault.pw', 'k1', w.bytes(107)); // same size
  w.put(S, 'vault.pw', 'k2', w.bytes(700)); // bigger
  w.patch(S, 'vault.pw', 'k3', 5, w.bytes(17));
  w.patch(S, 'vault.pw', 'k4', 300, w.bytes(4800)); // small -> large
  w.patch(S, 'vault.blobs', 'big0', 0, w.bytes(10_000)); // large overwritten in place, every page
  w.patch(S, 'vault.blobs', 'big1', 4000, w.bytes(300)); // across a page boundary
  w.put(S, 'vault.pw', 'k10', w.bytes(55));
  w.put(S, 'vault.pw', 'k11', w.bytes(3000));
  w.deleteKey(S, 'vault.pw', 'k5');
  w.deleteKey(S, 'vault.totp', 't0');
  w.put(SYSTEM, 'sys.prefs', 'p1', w.bytes(90));
  w.sync();

  w.step = 'phase 3: lock with a pending change, .System alone, unlock';
  w.put(S, 'vault.totp', 't1', w.bytes(41));
  w.lock(S);
  w.put(SYSTEM, 'sys.prefs', 'p5', w.bytes(64));
  w.deleteKey(SYSTEM, 'sys.prefs', 'p0');
  w.sync();
  w.unlock(S);

  w.step = 'phase 4: delete a dict, new dict, truncate, grow';
  w.deleteDict(S, 'vault.totp');
  for (let i = 0; i < 6; i++) w.put(S, 'vault.notes', `n${i}`, w.bytes(i === 3 ? 8000 : 100 + i));
  w.truncate(S, 'vault.blobs', 'big1', 6000);
  w.patch(S, 'vault.blobs', 'big0', 9000, w.bytes(5000)); // grows to 14000
  w.sync();

  w.step = 'phase 5: a throwaway basis';
  w.createBasis('temp');
  w.unlock('temp');
  w.put('temp', 'x', 'a', w.bytes(200));
  w.put('temp', 'x', 'b', w.bytes(9000));
  w.sync();
  w.deleteBasis('temp');

  for (let r = 0; r < rounds; r++) {
    w.step = `phase 6: round ${r}`;
    const keys = w.keysOf(S, 'vault.pw');
    const k = keys[w.below(keys.length)];
    const old = w.model.basis(S).current.get('vault.pw')!.get(k)!;
    if (r % 5 === 4) w.deleteKey(S, 'vault.pw', k);
    else if (old.length >= VPAGE_SIZE) w.patch(S, 'vault.pw', k, w.below(old.length), w.bytes(1 + w.below(5000)));
    else w.put(S, 'vault.pw', k, w.bytes(1 + w.below(400)));
    if (r % 5 === 4) w.put(S, 'vault.pw', `r${r}`, w.bytes(1 + w.below(200)));
    if (r % 3 === 0) w.put(SYSTEM, 'sys.prefs', `q${r % 4}`, w.bytes(1 + w.below(100)));
    w.sync();
  }

  w.step = 'phase 7: delete a dict and re-create one in the same sync';
  w.deleteKey(S, 'vault.blobs', 'big0');
  w.deleteDict(S, 'vault.notes');
  w.createDict(S, 'vault.notes2');
  w.put(S, 'vault.notes2', 'fresh', w.bytes(77));
  w.deleteDict(S, 'vault.blobs');
  w.put(S, 'vault.blobs', 'again', w.bytes(12));
  w.sync();

  w.step = 'phase 8: lock and unlock';
  w.put(S, 'vault.pw', 'last', w.bytes(500));
  w.lock(S);
  w.unlock(S);
  w.put(S, 'vault.pw', 'after', w.bytes(5));
  w.sync();
}

export interface SweepSetup {
  image: Uint8Array;
  keybox: Uint8Array;
  seed: string;
  rounds: number;
}

export function setupSweep(seed = 'sweep', rounds = 24): SweepSetup {
  const flash = new MemoryFlash(TEST_PDDB_LEN);
  const keybox = PddbEngine.format(flash, { pin: SWEEP_PIN, random: new SeededRandom(`${seed}/format`) });
  return { image: flash.snapshot(), keybox, seed, rounds };
}

/** Run the workload over `flash`; returns the driver (its model) and whether power was cut. */
function run(setup: SweepSetup, flash: Flash, onStep?: (step: string) => void): { driver: Driver; cut: boolean } {
  const engine = PddbEngine.mount(flash, setup.keybox, SWEEP_PIN, {
    random: new SeededRandom(`${setup.seed}/engine`),
    fastSpace: SWEEP_FASTSPACE,
  });
  const driver = new Driver(engine, setup.seed, onStep);
  try {
    workload(driver, setup.rounds);
    return { driver, cut: false };
  } catch (e) {
    if (e instanceof PowerCut) return { driver, cut: true };
    throw e;
  }
}

/** Where an op lands; FSCB programs are told apart: a 16-byte log record or a page of a master record. */
export type Region = 'table' | 'keys' | 'mbbb' | 'fscb' | 'fscb-log' | 'fscb-master' | 'data';
export interface TracedOp {
  kind: 'erase' | 'program';
  region: Region;
  step: string;
}

/** Records every mutating op that reaches it (kind and region), for choosing cut points. */
export class TracingFlash implements Flash {
  readonly ops: TracedOp[] = [];
  readonly size: number;
  step = '';
  private readonly layout = computeLayout(TEST_PDDB_LEN);
  constructor(private readonly inner: MemoryFlash) {
    this.size = inner.size;
  }
  private region(sector: number): Region {
    const at = sector * PAGE_SIZE;
    const l = this.layout;
    return at < l.keyPageOffset
      ? 'table'
      : at < l.mbbbOffset
        ? 'keys'
        : at < l.fscbOffset
          ? 'mbbb'
          : at < l.dataOffset
            ? 'fscb'
            : 'data';
  }
  read(offset: number, length: number) {
    return this.inner.read(offset, length);
  }
  readInto(offset: number, out: Uint8Array) {
    this.inner.readInto(offset, out);
  }
  erase(sector: number) {
    this.ops.push({ kind: 'erase', region: this.region(sector), step: this.step });
    this.inner.erase(sector);
  }
  program(offset: number, data: Uint8Array) {
    let region = this.region(Math.floor(offset / PAGE_SIZE));
    if (region === 'fscb') region = data.length === PAGE_SIZE ? 'fscb-master' : 'fscb-log';
    this.ops.push({ kind: 'program', region, step: this.step });
    this.inner.program(offset, data);
  }
  sync() {
    this.inner.sync();
  }
  get stats() {
    return this.inner.stats;
  }
  sectorWear(sector: number) {
    return this.inner.sectorWear(sector);
  }
  close() {
    this.inner.close();
  }
}

/**
 * A clean run of the workload: its mutating flash ops (one cut point each per torn mode), what each one was, and
 * the violations a check of the final image finds (none expected).
 */
export function countOps(setup: SweepSetup): { ops: number; trace: TracedOp[]; violations: string[] } {
  const inner = MemoryFlash.from(setup.image);
  const tracing = new TracingFlash(inner);
  const faulty = new FaultyFlash(tracing);
  const { driver } = run(setup, faulty, (step) => (tracing.step = step));
  const violations = checkImage(setup, inner.snapshot(), driver.model, 'clean run');
  return { ops: faulty.opsSoFar, trace: tracing.ops, violations };
}

/**
 * Up to `perKind` cut points for every kind of op (erase or program of the table, MBBB, FSCB log or master,
 * data...), per workload phase with `byPhase`, spread evenly over its occurrences: a small sweep that still cuts
 * every mechanism.
 */
export function stratifiedCuts(trace: TracedOp[], perKind: number, byPhase = false): number[] {
  const groups = new Map<string, number[]>();
  trace.forEach((op, i) => {
    const key = `${op.kind}/${op.region}${byPhase ? `/${op.step.split(':')[0]}` : ''}`;
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  });
  const out = new Set<number>();
  for (const list of groups.values()) {
    const n = Math.min(perKind, list.length);
    for (let k = 0; k < n; k++) out.add(list[Math.floor(((k + 0.5) * list.length) / n)]);
  }
  return [...out].sort((a, b) => a - b);
}

export interface CutResult {
  op: number;
  torn: boolean;
  step: string;
  what: string;
  violations: string[];
}

/** Replay the workload with power lost during op `op`, then check what survives. */
export function checkCut(setup: SweepSetup, op: number, torn: boolean): CutResult {
  const inner = MemoryFlash.from(setup.image);
  const faulty = new FaultyFlash(inner, {
    cutAfterOps: op,
    torn,
    random: new SeededRandom(`${setup.seed}/tear/${op}`),
  });
  const { driver, cut } = run(setup, faulty);
  const label = `op ${op}${torn ? ' torn' : ''} (${driver.step})`;
  const report = faulty.cut;
  const what = report
    ? `${report.kind} sector ${report.sector}${report.torn ? ` torn after ${report.applied}` : ''}`
    : 'no cut';
  const violations = cut
    ? checkImage(setup, inner.snapshot(), driver.model, label)
    : [`${label}: the workload finished before op ${op}`];
  return { op, torn, step: driver.step, what, violations };
}

type Observed = Map<string, Map<string, Map<string, Uint8Array>>>;

function storeOf(engine: PddbEngine): Store {
  return (engine as unknown as { store: Store }).store;
}

function mountAll(
  setup: SweepSetup,
  image: Uint8Array,
  seed: string,
  names: string[],
): { engine: PddbEngine; flash: MemoryFlash; open: string[] } {
  const flash = MemoryFlash.from(image);
  const engine = PddbEngine.mount(flash, setup.keybox, SWEEP_PIN, { random: new SeededRandom(seed) });
  const open: string[] = [];
  for (const name of names) {
    try {
      engine.unlockBasis(name, PASSWORDS[name]);
      open.push(name);
    } catch (e) {
      if (!(e instanceof PddbError && e.code === 'AccessDenied')) throw e;
    }
  }
  return { engine, flash, open };
}

function observe(engine: PddbEngine, bases: string[]): Observed {
  const out: Observed = new Map();
  for (const basis of bases) {
    const dicts = new Map<string, Map<string, Uint8Array>>();
    for (const dict of engine.listDicts(basis)) {
      const keys = new Map<string, Uint8Array>();
      for (const key of engine.listKeys(dict, basis)) keys.set(key, engine.readAll(engine.get(dict, key, { basis })));
      dicts.set(dict, keys);
    }
    out.set(basis, dicts);
  }
  return out;
}

const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

/** Zero-padded chunk [at, at + n) of `v`. */
function chunk(v: Uint8Array, at: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  if (at < v.length) out.set(v.subarray(at, Math.min(v.length, at + n)));
  return out;
}

function pageMix(got: Uint8Array, old: Uint8Array, next: Uint8Array): boolean {
  if (got.length !== old.length) return false;
  for (let at = 0; at < got.length; at += VPAGE_SIZE) {
    const n = Math.min(VPAGE_SIZE, got.length - at);
    const g = got.subarray(at, at + n);
    if (!eq(g, chunk(old, at, n)) && !eq(g, chunk(next, at, n))) return false;
  }
  return true;
}

function describe(v: Uint8Array | undefined): string {
  return v === undefined ? 'absent' : `${v.length} bytes ${Buffer.from(v.subarray(0, 6)).toString('hex')}..`;
}

/** Compare what a mounted engine shows with what the model allows. */
function checkAgainstModel(model: SweepModel, seen: Observed, label: string): string[] {
  const bad: string[] = [];
  for (const [name, b] of model.bases) {
    if (!b.ackedExists && !b.currentExists) {
      if (seen.has(name) && name !== SYSTEM) bad.push(`${label}: basis ${name} was deleted (acknowledged) but unlocks`);
      continue;
    }
    const got = seen.get(name);
    if (!got) {
      if (b.ackedExists && b.currentExists) bad.push(`${label}: basis ${name} does not unlock`);
      continue;
    }
    // A basis whose creation was cut short holds nothing yet; one whose deletion was cut short holds its acked data.
    const acked = b.ackedExists ? b.acked : new Map<string, Map<string, Uint8Array>>();
    const current = b.currentExists ? b.current : acked;
    const dicts = new Set([...acked.keys(), ...current.keys(), ...got.keys()]);
    for (const dict of dicts) {
      const a = acked.get(dict);
      const c = current.get(dict);
      const g = got.get(dict);
      if (!g) {
        if (a && c) bad.push(`${label}: ${name}:${dict} missing`);
        continue;
      }
      if (!a && !c) {
        bad.push(`${label}: ${name}:${dict} should not exist (keys ${[...g.keys()].join(',')})`);
        continue;
      }
      const keys = new Set([...(a?.keys() ?? []), ...(c?.keys() ?? []), ...g.keys()]);
      for (const key of keys) {
        const old = a?.get(key);
        const next = c?.get(key);
        const v = g.get(key);
        const where = `${label}: ${name}:${dict}:${key}`;
        if (v === undefined) {
          if (old !== undefined && next !== undefined)
            bad.push(`${where} missing (acked ${describe(old)}, new ${describe(next)})`);
          continue;
        }
        if ((old && eq(v, old)) || (next && eq(v, next))) continue;
        const large = b.largeAcked.has(`${dict}\0${key}`);
        if (old && next && large && pageMix(v, old, next)) continue;
        bad.push(
          `${where} reads ${describe(v)}; allowed: acked ${describe(old)}, new ${describe(next)}${large ? ' (or a page mix)' : ''}`,
        );
      }
    }
  }
  return bad;
}

/** Internal invariants of a mounted engine with every basis unlocked. */
function checkInvariants(engine: PddbEngine, label: string, expectNoDuplicates: boolean): string[] {
  const bad: string[] = [];
  const store = storeOf(engine);
  const pt = PageTable.load(store.flash, store.layout, new SeededRandom('probe'));
  const owner = new Map<number, string>();
  for (const { name, keys } of engine.exportKeys()) {
    const vpages = new Map<number, number>();
    for (const m of pt.scan(keys.pt)) {
      const other = owner.get(m.phys);
      if (other !== undefined) bad.push(`${label}: phys ${m.phys} mapped by ${other} and ${name}`);
      owner.set(m.phys, name);
      vpages.set(m.vpage, (vpages.get(m.vpage) ?? 0) + 1);
    }
    if (expectNoDuplicates) {
      const dups = [...vpages].filter(([, n]) => n > 1);
      if (dups.length > 0) bad.push(`${label}: ${name} still maps ${dups.length} vpages twice after a sync`);
    }
  }
  for (const p of store.space.allocatable()) {
    if (owner.has(p)) bad.push(`${label}: FastSpace offers phys ${p}, mapped by ${owner.get(p)}`);
  }
  return bad;
}

function sameObserved(a: Observed, b: Observed, label: string): string[] {
  const bad: string[] = [];
  for (const basis of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(basis);
    const y = b.get(basis);
    if (!x || !y) {
      bad.push(`${label}: basis ${basis} ${x ? 'vanished' : 'appeared'}`);
      continue;
    }
    for (const dict of new Set([...x.keys(), ...y.keys()])) {
      const kx = x.get(dict);
      const ky = y.get(dict);
      if (!kx || !ky) {
        bad.push(`${label}: ${basis}:${dict} ${kx ? 'vanished' : 'appeared'}`);
        continue;
      }
      for (const key of new Set([...kx.keys(), ...ky.keys()])) {
        const vx = kx.get(key);
        const vy = ky.get(key);
        if (!vx || !vy || !eq(vx, vy))
          bad.push(`${label}: ${basis}:${dict}:${key} was ${describe(vx)}, now ${describe(vy)}`);
      }
    }
  }
  return bad;
}

/** Everything checked after one cut: mount, model, invariants, recovery sync, stability, and further use. */
export function checkImage(setup: SweepSetup, image: Uint8Array, model: SweepModel, label: string): string[] {
  const names = [...model.bases.keys()].filter((n) => n !== SYSTEM);
  const bad: string[] = [];
  const guard = (what: string, fn: () => void): boolean => {
    try {
      fn();
      return true;
    } catch (e) {
      bad.push(`${label}: ${what} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      return false;
    }
  };
  let first!: { engine: PddbEngine; flash: MemoryFlash; open: string[] };
  if (!guard('mount', () => (first = mountAll(setup, image, `${label}/m1`, names)))) return bad;
  let seen!: Observed;
  if (!guard('read back', () => (seen = observe(first.engine, [SYSTEM, ...first.open])))) return bad;
  bad.push(...checkAgainstModel(model, seen, label));
  guard('invariants', () => bad.push(...checkInvariants(first.engine, label, false)));
  // A new dict before anything is synced takes the lowest free index, which may be a dict whose creation the cut
  // left half-mapped (its pool page garbage until the next commit unmaps it): its first key must still write.
  const fresh = new SeededRandom(`${label}/fresh`);
  guard('new dict before the recovery sync', () => {
    for (const basis of [SYSTEM, ...first.open]) {
      const value = fresh.fill(new Uint8Array(46));
      first.engine.write(first.engine.get('new.at.mount', 'k', { basis, createDict: true, createKey: true }), 0, value);
      seen.get(basis)!.set('new.at.mount', new Map([['k', value]]));
    }
  });

  // Recovery: a sync resolves duplicate mappings and retires what the cut left behind.
  if (!guard('recovery sync', () => first.engine.sync())) return bad;
  guard('invariants after sync', () => bad.push(...checkInvariants(first.engine, `${label} after sync`, true)));
  let second!: { engine: PddbEngine; flash: MemoryFlash; open: string[] };
  if (!guard('remount after sync', () => (second = mountAll(setup, first.flash.snapshot(), `${label}/m2`, names))))
    return bad;
  let seen2!: Observed;
  if (!guard('read back after sync', () => (seen2 = observe(second.engine, [SYSTEM, ...second.open])))) return bad;
  bad.push(...sameObserved(seen, seen2, `${label} after recovery`));

  // The engine keeps working: new keys, overwrites and deletions in every open basis, synced, show exactly so after
  // one more remount (a deleted dict or key that a cut left twice on flash would resurface here).
  const expected = seen2;
  const rng = new SeededRandom(`${label}/more`);
  const ok = guard('write after recovery', () => {
    for (const basis of [SYSTEM, ...second.open]) {
      const dicts = [...expected.get(basis)!.keys()].sort();
      dicts.forEach((dict, i) => {
        const keys = [...expected.get(basis)!.get(dict)!.keys()].sort();
        if (i % 2 === 0) {
          second.engine.deleteDict(dict, basis);
          expected.get(basis)!.delete(dict);
        } else if (keys.length > 0) {
          second.engine.deleteKey(dict, keys[0], basis);
          expected.get(basis)!.get(dict)!.delete(keys[0]);
          if (keys.length > 1) {
            const v = rng.fill(new Uint8Array(1 + (keys.length % 3) * 2000));
            const h = second.engine.get(dict, keys[1], { basis });
            second.engine.truncate(h, 0);
            second.engine.write(h, 0, v);
            expected.get(basis)!.get(dict)!.set(keys[1], v);
          }
        }
      });
      const value = rng.fill(new Uint8Array(300));
      const h = second.engine.get('after.cut', 'k', { basis, createDict: true, createKey: true });
      second.engine.write(h, 0, value);
      let dict = expected.get(basis)!.get('after.cut');
      if (!dict) expected.get(basis)!.set('after.cut', (dict = new Map()));
      dict.set('k', value);
      const big = rng.fill(new Uint8Array(9000));
      const hb = second.engine.get('after.cut', 'big', { basis, createDict: true, createKey: true });
      second.engine.write(hb, 0, big);
      dict.set('big', big);
    }
    second.engine.sync();
  });
  if (!ok) return bad;
  let third!: { engine: PddbEngine; flash: MemoryFlash; open: string[] };
  if (!guard('third mount', () => (third = mountAll(setup, second.flash.snapshot(), `${label}/m3`, names)))) return bad;
  guard('read back after more writes', () =>
    bad.push(...sameObserved(expected, observe(third.engine, [SYSTEM, ...third.open]), `${label} after more writes`)),
  );
  guard('final invariants', () => bad.push(...checkInvariants(third.engine, `${label} final`, false)));
  return bad;
}

export interface SweepSummary {
  ops: number;
  checked: number;
  failures: CutResult[];
  ms: number;
}

/** Sweep cut points `0, stride, 2*stride, ...` (offset by `phase`) in the given torn modes. */
export function sweep(
  setup: SweepSetup,
  opts: {
    stride?: number;
    phase?: number;
    /** Instead of a stride: up to this many cut points per kind of op and workload phase (stratifiedCuts). */
    perKind?: number;
    modes?: boolean[];
    onResult?: (r: CutResult, done: number, total: number) => void;
  } = {},
): SweepSummary {
  const t0 = performance.now();
  const { ops, trace, violations } = countOps(setup);
  const failures: CutResult[] = [];
  if (violations.length > 0) failures.push({ op: -1, torn: false, step: 'clean run', what: 'no cut', violations });
  const stride = opts.stride ?? 1;
  const modes = opts.modes ?? [false, true];
  let points: number[] = [];
  if (opts.perKind !== undefined) points = stratifiedCuts(trace, opts.perKind);
  else for (let op = (opts.phase ?? 0) % stride; op < ops; op += stride) points.push(op);
  let done = 0;
  const total = points.length * modes.length;
  for (const op of points) {
    for (const torn of modes) {
      const r = checkCut(setup, op, torn);
      if (r.violations.length > 0) failures.push(r);
      opts.onResult?.(r, ++done, total);
    }
  }
  return { ops, checked: total, failures, ms: performance.now() - t0 };
}
