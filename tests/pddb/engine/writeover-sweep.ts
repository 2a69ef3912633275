// Issue 6 #2, shared by the writeover-*.test.ts files: a writer killed during the sync of a value change (a power
// cut at any flash op of that sync) must leave the key old or new, whole, whatever its history: small <-> large
// transitions, shrinking, growing, truncation, appends, patches in the middle, sparse growth.
import { SeededRandom } from '../../../lib/random.ts';
import { PddbEngine } from '../../../pddb/engine/engine.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { FlashRecorder } from './flash-recorder.ts';
import { PIN, bytesOf, freshDevice } from './helpers.ts';

type Change = (e: PddbEngine) => void;

export interface Scenario {
  name: string;
  /** Values synced one after another before the change (each a whole writeover). */
  history: number[];
  change:
    | { kind: 'writeover'; len: number }
    | { kind: 'truncate'; len: number }
    | { kind: 'patch'; at: number; len: number };
}

export const scenarios: Scenario[] = [
  {
    name: 'ever large, then small, writeover small (the reported case)',
    history: [8000, 46],
    change: { kind: 'writeover', len: 62 },
  },
  { name: 'small grows large', history: [100], change: { kind: 'writeover', len: 9000 } },
  { name: 'large shrinks small', history: [9000], change: { kind: 'writeover', len: 50 } },
  { name: 'large grows larger', history: [9000], change: { kind: 'writeover', len: 14000 } },
  { name: 'large shrinks, still large', history: [14000], change: { kind: 'writeover', len: 5000 } },
  { name: 'large truncated', history: [12000], change: { kind: 'truncate', len: 5000 } },
  { name: 'large truncated to nothing', history: [9000], change: { kind: 'truncate', len: 0 } },
  { name: 'large patched in the middle', history: [12000], change: { kind: 'patch', at: 4000, len: 300 } },
  { name: 'large appended to', history: [9000], change: { kind: 'patch', at: 9000, len: 5000 } },
  { name: 'large grown sparse', history: [5000], change: { kind: 'patch', at: 13000, len: 10 } },
];

/** The value a writeover leaves: the CLI's way (write from 0, then cut what is left of the old value). */
function writeover(e: PddbEngine, key: string, value: Uint8Array): void {
  const h = e.get('d', key, { createDict: true, createKey: true });
  e.write(h, 0, value);
  if (e.attributes(h).len > value.length) e.truncate(h, value.length);
}

function apply(rng: SeededRandom, old: Uint8Array, s: Scenario): { change: Change; next: Uint8Array } {
  const c = s.change;
  if (c.kind === 'writeover') {
    const next = bytesOf(rng, c.len);
    return { change: (e) => writeover(e, 'k', next), next };
  }
  if (c.kind === 'truncate') return { change: (e) => e.truncate(e.get('d', 'k'), c.len), next: old.slice(0, c.len) };
  const patch = bytesOf(rng, c.len);
  const next = new Uint8Array(Math.max(old.length, c.at + c.len));
  next.set(old);
  next.set(patch, c.at);
  return { change: (e) => e.write(e.get('d', 'k'), c.at, patch), next };
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/**
 * Cut the sync of `s`'s change at every flash op, cleanly and torn (torn at every `tornEvery`-th op), and check
 * what a remount reads: the key old or new, whole; its neighbours untouched; the next sync keeps it. The run is
 * recorded once and replayed for each cut (flash-recorder.ts): a remount per cut is the cost.
 */
export function sweepScenario(s: Scenario, tornEvery = 1): string[] {
  const rng = new SeededRandom(`writeover/${s.name}`);
  const { flash, keybox, engine } = freshDevice('writeover');
  // Neighbours that must not be touched: a small and a large key in the same dict.
  const small = bytesOf(rng, 40);
  const large = bytesOf(rng, 9000);
  writeover(engine, 'small-neighbour', small);
  writeover(engine, 'large-neighbour', large);
  let old: Uint8Array = new Uint8Array(0);
  for (const len of s.history) {
    old = bytesOf(rng, len);
    writeover(engine, 'k', old);
    engine.sync();
  }
  engine.close();
  const image = flash.snapshot();
  const { change, next } = apply(rng, old, s);

  const recorder = new FlashRecorder(image);
  const e = PddbEngine.mount(recorder, keybox, PIN, { random: new SeededRandom('cut-run') });
  change(e);
  e.sync();
  const failures: string[] = [];
  if (!same(e.readAll(e.get('d', 'k')), next)) failures.push('the uncut run does not read the new value');
  const ops = recorder.ops;
  if (ops.length === 0) failures.push('the change wrote nothing');

  for (const torn of [false, true]) {
    for (let op = 0; op < ops.length; op++) {
      if (torn && op % tornEvery !== 0) continue;
      const cut = recorder.cut(image, op, torn);
      const where = `op ${op}${torn ? ' torn' : ''} (${cut.kind})`;
      const after = PddbEngine.mount(MemoryFlash.from(cut.image), keybox, PIN, { random: new SeededRandom('after') });
      const got = after.readAll(after.get('d', 'k'));
      if (!same(got, old) && !same(got, next))
        failures.push(`${where}: ${got.length} bytes, neither old (${old.length}) nor new (${next.length})`);
      if (!same(after.readAll(after.get('d', 'small-neighbour')), small))
        failures.push(`${where}: small neighbour changed`);
      if (!same(after.readAll(after.get('d', 'large-neighbour')), large))
        failures.push(`${where}: large neighbour changed`);
      if (torn) continue;
      // The next sync after the cut completes and keeps what was read.
      after.write(after.get('d', 'small-neighbour'), 0, small);
      after.sync();
      if (!same(after.readAll(after.get('d', 'k')), got)) failures.push(`${where}: the value changed at the next sync`);
    }
  }
  return failures;
}
