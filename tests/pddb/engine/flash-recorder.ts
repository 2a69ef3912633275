// Power cuts without re-running the engine: record the flash ops of one run, then replay a prefix of them through
// a real FaultyFlash for each cut. Valid because the engine is deterministic (seeded randomness): a run cut at op n
// performs exactly the first n ops of the uncut run. Each cut then costs a replay, not a mount and a sync.
import { SeededRandom } from '../../../lib/random.ts';
import { PowerCut } from '../../../pddb/flash/errors.ts';
import { FaultyFlash } from '../../../pddb/flash/faulty.ts';
import type { Flash } from '../../../pddb/flash/flash.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';

export type RecordedOp = { kind: 'erase'; sector: number } | { kind: 'program'; offset: number; data: Uint8Array };

/** A MemoryFlash that remembers every erase and program, in order. */
export class FlashRecorder implements Flash {
  readonly ops: RecordedOp[] = [];
  private readonly inner: MemoryFlash;
  constructor(image: Uint8Array) {
    this.inner = MemoryFlash.from(image);
  }
  get size() {
    return this.inner.size;
  }
  get stats() {
    return this.inner.stats;
  }
  read = (offset: number, length: number) => this.inner.read(offset, length);
  readInto = (offset: number, out: Uint8Array) => this.inner.readInto(offset, out);
  sync = () => this.inner.sync();
  sectorWear = (sector: number) => this.inner.sectorWear(sector);
  close = () => this.inner.close();
  snapshot = () => this.inner.snapshot();
  erase(sector: number): void {
    this.ops.push({ kind: 'erase', sector });
    this.inner.erase(sector);
  }
  program(offset: number, data: Uint8Array): void {
    this.ops.push({ kind: 'program', offset, data: data.slice() });
    this.inner.program(offset, data);
  }

  /** What survives on `image` when power is lost during op `op` of the recorded run (torn or not). */
  cut(image: Uint8Array, op: number, torn: boolean): { image: Uint8Array; kind: string } {
    const inner = MemoryFlash.from(image);
    const f = new FaultyFlash(inner, { cutAfterOps: op, torn, random: new SeededRandom(`tear-${op}`) });
    try {
      for (const o of this.ops) o.kind === 'erase' ? f.erase(o.sector) : f.program(o.offset, o.data);
    } catch (err) {
      if (!(err instanceof PowerCut)) throw err;
    }
    if (!f.cut) throw new Error(`the recorded run has no op ${op}`);
    return { image: inner.snapshot(), kind: f.cut.kind };
  }
}
