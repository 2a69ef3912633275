// Fault injection: a Flash wrapper that loses power during the Nth mutating operation (erase or program, counted
// from 0), optionally leaving that operation's sector torn. After the cut every mutation (and sync) throws PowerCut;
// reads keep working so a harness can inspect what survived, then reboot from it:
//
//   const f = new FaultyFlash(MemoryFlash.from(image), { cutAfterOps: i, torn: true, random: new SeededRandom(i) });
//   try { workload(f) } catch (e) { if (!(e instanceof PowerCut)) throw e }
//   const rebooted = MemoryFlash.from(f.read(0, f.size));
//
// A sweep first runs the workload on a FaultyFlash without a cut to learn `opsSoFar`, then replays it once per index.
import type { Random } from '../../lib/random.ts';
import { SeededRandom, randomBelow } from '../../lib/random.ts';
import { FlashError, PowerCut } from './errors.ts';
import type { Flash, FlashStats, SectorWear } from './flash.ts';
import { SECTOR_SIZE, checkProgram, checkSector } from './flash.ts';
import { WearCounters } from './wear.ts';

export interface FaultPlan {
  /** Power is lost during the Nth mutating op (erase or program), counting from 0. Absent: never. */
  cutAfterOps?: number;
  /**
   * What the cut op leaves behind. false (default): nothing, the op did not happen. true: the op's sector is torn at a
   * split point drawn from `random` (an erase leaves a prefix erased and the rest old; a program leaves a prefix
   * programmed and the rest untouched). 'random': `random` decides first, one chance in two, whether it is torn.
   */
  torn?: boolean | 'random';
  /** Where split points and 'random' decisions come from. Default: SeededRandom('FaultyFlash'), so runs repeat. */
  random?: Random;
}

export interface CutReport {
  /** The index of the op that was cut (= plan.cutAfterOps). */
  op: number;
  kind: 'erase' | 'program';
  sector: number;
  /** The op's byte range on the device: the whole sector for an erase. */
  offset: number;
  length: number;
  torn: boolean;
  /** How many leading bytes of the op reached the flash: 0 when not torn. */
  applied: number;
}

export class FaultyFlash implements Flash {
  readonly size: number;
  private readonly cutAt: number | null;
  private readonly torn: boolean | 'random';
  private readonly random: Random;
  private readonly wear: WearCounters;
  private ops = 0;
  private cutReport: CutReport | null = null;
  private closed = false;

  constructor(
    readonly inner: Flash,
    plan: FaultPlan = {},
  ) {
    const { cutAfterOps, torn = false, random } = plan;
    if (cutAfterOps !== undefined && !(Number.isSafeInteger(cutAfterOps) && cutAfterOps >= 0)) {
      throw new FlashError(
        'BadArgument',
        `FaultyFlash: cutAfterOps ${String(cutAfterOps)} is not a non-negative integer`,
      );
    }
    if (torn !== true && torn !== false && torn !== 'random') {
      throw new FlashError('BadArgument', `FaultyFlash: torn ${String(torn)} is not true, false or 'random'`);
    }
    this.size = inner.size;
    this.cutAt = cutAfterOps ?? null;
    this.torn = torn;
    this.random = random ?? new SeededRandom('FaultyFlash');
    this.wear = new WearCounters(inner.size);
  }

  /** Mutating ops that reached the device: the completed ones plus the one that was cut. Refused ops don't count. */
  get opsSoFar(): number {
    return this.ops;
  }

  get powerLost(): boolean {
    return this.cutReport !== null;
  }

  /** What the cut did, once it has happened. */
  get cut(): CutReport | null {
    return this.cutReport === null ? null : { ...this.cutReport };
  }

  read(offset: number, length: number): Uint8Array {
    this.open();
    return this.inner.read(offset, length);
  }

  readInto(offset: number, out: Uint8Array): void {
    this.open();
    this.inner.readInto(offset, out);
  }

  erase(sector: number): void {
    this.mutable();
    checkSector(this.size, sector, 'erase');
    const op = this.ops++;
    if (op === this.cutAt) this.cutErase(op, sector);
    this.inner.erase(sector);
    this.wear.erased(sector);
  }

  program(offset: number, data: Uint8Array): void {
    this.mutable();
    const sector = checkProgram(this.size, offset, data);
    const op = this.ops++;
    if (op === this.cutAt) this.cutProgram(op, sector, offset, data);
    this.inner.program(offset, data);
    this.wear.programmed(sector, data.length);
  }

  sync(): void {
    this.mutable();
    this.inner.sync();
  }

  /** Ops that completed (the cut op is not counted, torn or not). */
  get stats(): FlashStats {
    return this.wear.stats();
  }

  sectorWear(sector: number): SectorWear {
    return this.wear.sector(sector);
  }

  /** Resets the wear counters; not `opsSoFar`, which is the fault clock. */
  resetStats(): void {
    this.wear.reset();
  }

  /** Closes the inner flash too (take the surviving image first). Allowed after a cut. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.inner.close();
  }

  private isTorn(): boolean {
    return this.torn === 'random' ? randomBelow(this.random, 2) === 1 : this.torn;
  }

  /** A split strictly inside the op when it has 2+ bytes; a 1-byte op is either not reached or fully applied. */
  private split(length: number): number {
    return length >= 2 ? 1 + randomBelow(this.random, length - 1) : randomBelow(this.random, 2);
  }

  private cutErase(op: number, sector: number): never {
    const base = sector * SECTOR_SIZE;
    let applied = 0;
    const torn = this.isTorn();
    if (torn) {
      applied = this.split(SECTOR_SIZE);
      const old = this.inner.read(base, SECTOR_SIZE);
      this.inner.erase(sector);
      this.inner.program(base + applied, old.subarray(applied));
    }
    return this.lose({ op, kind: 'erase', sector, offset: base, length: SECTOR_SIZE, torn, applied });
  }

  private cutProgram(op: number, sector: number, offset: number, data: Uint8Array): never {
    let applied = 0;
    const torn = this.isTorn();
    if (torn) {
      applied = this.split(data.length);
      if (applied > 0) this.inner.program(offset, data.subarray(0, applied));
    }
    return this.lose({ op, kind: 'program', sector, offset, length: data.length, torn, applied });
  }

  private lose(report: CutReport): never {
    this.cutReport = report;
    const what =
      report.kind === 'erase'
        ? `erase of sector ${report.sector}`
        : `program of [${report.offset}, ${report.offset + report.length})`;
    const tear = report.torn ? `, torn after ${report.applied} of ${report.length} bytes` : '';
    throw new PowerCut(`power lost during op ${report.op} (${what}${tear})`);
  }

  private open(): void {
    if (this.closed) throw new FlashError('Closed', 'the faulty flash is closed');
  }

  private mutable(): void {
    this.open();
    if (this.cutReport !== null) {
      throw new PowerCut(`power was lost during op ${this.cutReport.op}; the device takes no more writes`);
    }
  }
}
