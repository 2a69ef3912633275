// The cover-write and decoy-leak mitigations (EngineOptions.coverWrites, decoyLeaks) touch only pages FastSpace knows
// to be free: a locked basis survives any number of such syncs, and the refreshed pages really change.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../lib/random.ts';
import { PddbEngine } from '../../../pddb/engine/engine.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { TEST_PDDB_LEN } from '../../../pddb/format/constants.ts';
import { dataPages } from '../../../pddb/forensics/adversaries.ts';

/** A device with a locked secret basis, then 40 small .System writes + syncs: the flash programs those syncs cost. */
function decoyWorkload(mitigation: { coverWrites?: number; decoyLeaks?: number }) {
  const flash = new MemoryFlash(TEST_PDDB_LEN);
  const keybox = PddbEngine.format(flash, { pin: '1', random: new SeededRandom('cover/format') });
  const values = Array.from({ length: 5 }, (_, i) => new SeededRandom(`v${i}`).fill(new Uint8Array(500 + 1500 * i)));
  let e = PddbEngine.mount(flash, keybox, '1', { random: new SeededRandom('cover/1') });
  e.createBasis('secret', 'pw');
  e.unlockBasis('secret', 'pw');
  values.forEach((v, i) => e.write(e.get('d', `k${i}`, { basis: 'secret', createDict: true, createKey: true }), 0, v));
  e.lockBasis('secret');
  e.close();
  const before = dataPages(flash.snapshot()).map((p) => p.slice());
  e = PddbEngine.mount(flash, keybox, '1', { random: new SeededRandom('cover/2'), ...mitigation });
  const plain = flash.stats.programs;
  for (let step = 0; step < 40; step++) {
    e.write(e.get('notes', `n${step % 3}`, { createDict: true, createKey: true }), 0, new Uint8Array(200).fill(step));
    e.sync();
  }
  const programs = flash.stats.programs - plain;
  e.close();
  return { flash, keybox, values, before, programs };
}

describe.each([
  ['cover writes', { coverWrites: 64 }, 40 * 64],
  ['decoy leaks', { decoyLeaks: 8 }, 40],
] as const)('%s', (_, mitigation, minExtra) => {
  it('never touch a locked basis, and change free pages at each sync', { timeout: 60_000 }, () => {
    // The same seeded workload without the mitigation is the baseline: the mitigation's own programs come on top.
    const baseline = decoyWorkload({});
    const { flash, keybox, values, before, programs } = decoyWorkload(mitigation);
    expect(programs - baseline.programs).toBeGreaterThanOrEqual(minExtra * 0.9);
    const after = dataPages(flash.snapshot());
    expect(after.filter((p, i) => !Buffer.from(p).equals(before[i])).length).toBeGreaterThan(minExtra / 16);
    const e = PddbEngine.mount(flash, keybox, '1');
    e.unlockBasis('secret', 'pw');
    values.forEach((v, i) =>
      expect(Buffer.from(e.readAll(e.get('d', `k${i}`, { basis: 'secret' }))).equals(v), `k${i}`).toBe(true),
    );
    e.close();
  });
});
