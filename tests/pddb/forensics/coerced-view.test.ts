// The coerced adversary's page classes: checked against what the owner knows with every key.
import { describe, expect, it } from 'vitest';
import { SeededRandom, randomBytes } from '../../../lib/random.ts';
import { PddbEngine } from '../../../pddb/engine/engine.ts';
import { PageTable } from '../../../pddb/engine/pagetable.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { PAGE_SIZE, TEST_PDDB_LEN } from '../../../pddb/format/constants.ts';
import { FSCB_PAGES, computeLayout } from '../../../pddb/format/layout.ts';
import { PageClass, coercedView } from '../../../pddb/forensics/coerced-view.ts';

const layout = computeLayout(TEST_PDDB_LEN);

/** A device with .System data and a locked secret basis; the keys of both, and the pages the secret basis maps. */
function device(keepUsedRecords: boolean) {
  const flash = new MemoryFlash(TEST_PDDB_LEN);
  const keybox = PddbEngine.format(flash, { pin: '1', random: new SeededRandom('cv/format') });
  const e = PddbEngine.mount(flash, keybox, '1', {
    random: new SeededRandom('cv/engine'),
    fastSpace: { keepUsedRecords },
  });
  e.write(e.get('notes', 'a', { createDict: true, createKey: true }), 0, new Uint8Array(100));
  e.createBasis('secret', 'pw');
  e.unlockBasis('secret', 'pw');
  e.write(e.get('vault', 'k', { basis: 'secret', createDict: true, createKey: true }), 0, new Uint8Array(9000));
  const [system, secret] = e.exportKeys().map((b) => b.keys);
  e.lockBasis('secret');
  e.close();
  const secretPages = PageTable.load(flash, layout, new SeededRandom('x'))
    .scan(secret.pt)
    .map((m) => m.phys);
  return { flash, system, secretPages };
}

describe('coercedView', () => {
  it('shows a locked basis as unexplained pages only, with no Used record and no log', () => {
    const { flash, system, secretPages } = device(false);
    const v = coercedView(flash, system);
    expect(v.classes.length).toBe(layout.dataPages);
    expect(Object.values(v.counts).reduce((a, b) => a + b)).toBe(layout.dataPages);
    expect(v.counts.UsedUnmapped).toBe(0);
    expect(v.logRecords).toBe(0);
    expect(v.masterRecords).toBe(1);
    expect(v.counts.System).toBeGreaterThanOrEqual(3);
    for (const p of secretPages) expect(v.classes[p], `secret page ${p}`).toBe(PageClass.Unexplained);
    // The cache lists about half of the free pages: the unexplained ones are mostly free pages, not the basis.
    expect(v.counts.Unexplained).toBeGreaterThan(10 * secretPages.length);
  });

  it("on the leaky variant, Used-but-unmapped is exactly the locked basis's pages", () => {
    const { flash, system, secretPages } = device(true);
    const v = coercedView(flash, system);
    const usedUnmapped = [...v.classes.keys()].filter((p) => v.classes[p] === PageClass.UsedUnmapped);
    expect(usedUnmapped.sort((a, b) => a - b)).toEqual([...secretPages].sort((a, b) => a - b));
  });

  it('survives hostile bytes: wrong keys see nothing, a random FSCB holds no record', () => {
    const { flash } = device(false);
    const wrong = { pt: randomBytes(new SeededRandom('w1'), 32), data: randomBytes(new SeededRandom('w2'), 32) };
    const v = coercedView(flash, wrong);
    expect(v.counts.Unexplained).toBe(layout.dataPages);
    expect(v.masterRecords + v.logRecords).toBe(0);
    const bytes = flash.snapshot();
    bytes.set(randomBytes(new SeededRandom('fscb'), FSCB_PAGES * PAGE_SIZE), layout.fscbOffset);
    const { system } = device(false);
    const r = coercedView(MemoryFlash.from(bytes), system);
    expect(r.masterRecords).toBe(0);
    expect(r.counts.Listed).toBe(0);
  });
});
