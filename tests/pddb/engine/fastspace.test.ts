// FastSpace at rest and its flash cost: what .System's keys open in the FSCB after syncs (issue 7 #1), how often
// the master record is rewritten, and the options.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../lib/random.ts';
import { ecbDecrypt } from '../../../pddb/crypto/ecb.ts';
import { PddbEngine } from '../../../pddb/engine/engine.ts';
import { FastSpace } from '../../../pddb/engine/fastspace.ts';
import { PageTable } from '../../../pddb/engine/pagetable.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { PAGE_SIZE } from '../../../pddb/format/constants.ts';
import {
  FASTSPACE_PAGES,
  SpaceState,
  isErased,
  openMasterRecord,
  type PhysPage,
} from '../../../pddb/format/fastspace.ts';
import { FSCB_PAGES, type Layout } from '../../../pddb/format/layout.ts';
import { PIN, freshDevice, put } from './helpers.ts';

/** The FSCB as .System's keys read it: every master record's entries, and how many FSCB pages hold anything else. */
function fscb(flash: MemoryFlash, layout: Layout, system: { data: Uint8Array }) {
  const region = flash.read(layout.fscbOffset, FSCB_PAGES * PAGE_SIZE);
  const masters: PhysPage[][] = [];
  let other = 0;
  for (let i = 0; i < FSCB_PAGES; i++) {
    const opened =
      i + FASTSPACE_PAGES <= FSCB_PAGES
        ? openMasterRecord(system.data, region.subarray(i * PAGE_SIZE, (i + FASTSPACE_PAGES) * PAGE_SIZE), 0n)
        : null;
    if (opened) {
      masters.push(opened);
      i += FASTSPACE_PAGES - 1;
    } else if (!isErased(region.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE))) other++;
  }
  return { masters, other };
}

describe('FastSpace at rest', () => {
  it('after every completed sync: one master of Free entries, no log, and no page any basis maps, locked or open', {
    timeout: 60_000,
  }, () => {
    const { flash, engine } = freshDevice('fs-rest');
    const system = engine.exportKeys()[0].keys;
    engine.createBasis('hidden', 'pw');
    engine.unlockBasis('hidden', 'pw');
    const hiddenKeys = engine.exportKeys().find((b) => b.name === 'hidden')!.keys;
    const rng = new SeededRandom('fs-rest/values');
    for (let i = 0; i < 40; i++) {
      put(engine, 'h', `k${i % 9}`, rng.fill(new Uint8Array(1 + (i % 5) * 900)), 'hidden');
      if (i % 3 === 0) put(engine, 'sys', `s${i % 4}`, rng.fill(new Uint8Array(30)), '.System');
      engine.sync();
      if (i === 25) engine.lockBasis('hidden');
      if (i === 25) engine.unlockBasis('hidden', 'pw');
      const { masters, other } = fscb(flash, engine.layout, system);
      expect(masters, `sync ${i}: one master record`).toHaveLength(1);
      expect(other, `sync ${i}: FSCB pages besides the master (a log)`).toBe(0);
      expect(
        masters[0].filter((e) => e.state !== SpaceState.Free),
        `sync ${i}: entries not Free`,
      ).toEqual([]);
      const table = PageTable.load(flash, engine.layout, new SeededRandom('probe'));
      const mapped = new Set([...table.scan(system.pt), ...table.scan(hiddenKeys.pt)].map((m) => m.phys));
      expect(
        masters[0].filter((e) => mapped.has(e.page)),
        `sync ${i}: listed pages that a basis maps`,
      ).toEqual([]);
    }
    // Power off and back: the releases come back as listed pages (nothing leaks across a clean power-off).
    const before = engine.freeSpace;
    engine.lockBasis('hidden');
    engine.close();
    const again = PddbEngine.mount(MemoryFlash.from(flash.snapshot()), freshDevice('fs-rest').keybox, PIN, {
      random: new SeededRandom('again'),
    });
    expect(again.freeSpace).toBe(before);
  });

  it('rewrites the master at most twice per small write + sync (take out, list again), and keeps nothing unlisted at rest', {
    timeout: 60_000,
  }, () => {
    const { flash, keybox, engine } = freshDevice('fs-rate');
    for (let i = 0; i < 20; i++) put(engine, 'd', `warm${i}`, 'x'.repeat(50));
    engine.sync();
    const layout = engine.layout;
    const masterWrites = () => {
      let n = 0;
      for (let s = 0; s < FSCB_PAGES; s++) n += flash.sectorWear(layout.fscbOffset / PAGE_SIZE + s).programs;
      return n / FASTSPACE_PAGES;
    };
    const start = masterWrites();
    const syncs = 60;
    for (let i = 0; i < syncs; i++) {
      put(engine, 'd', `k${i % 30}`, 'y'.repeat(40 + i));
      engine.sync();
      // What the engine could hand out is on flash: a process killed now (or one that never syncs again) leaks nothing.
      if (i % 10 === 9)
        expect(
          PddbEngine.mount(MemoryFlash.from(flash.snapshot()), keybox, PIN, { random: new SeededRandom(`rest-${i}`) })
            .freeSpace,
          `sync ${i}`,
        ).toBe(engine.freeSpace);
    }
    const rewrites = masterWrites() - start;
    expect(rewrites).toBeGreaterThan(0);
    expect(rewrites).toBeLessThanOrEqual(2 * syncs);
  });

  it('a log page found at mount (an older image) is erased by the first rewrite; nothing is logged again', () => {
    const { flash, engine } = freshDevice('fs-log');
    const system = engine.exportKeys()[0].keys;
    engine.close();
    // A log page as the original writes one (first 16 bytes erased, records after), here with no valid record.
    const layout = engine.layout;
    const blank = [...Array(FSCB_PAGES).keys()].find((i) =>
      isErased(flash.read(layout.fscbOffset + i * PAGE_SIZE, PAGE_SIZE)),
    )!;
    flash.program(layout.fscbOffset + blank * PAGE_SIZE + 16, ecbDecrypt(system.pt, new Uint8Array(16).fill(7)));
    const e = PddbEngine.mount(flash, freshDevice('fs-log').keybox, PIN, { random: new SeededRandom('log') });
    put(e, 'd', 'k', 'v');
    e.sync();
    expect(fscb(flash, layout, system).other).toBe(0);
  });

  it('refuses a negative reserve slack', () => {
    const { flash, engine } = freshDevice('fs-opts');
    const keys = engine.exportKeys()[0].keys;
    expect(() => FastSpace.load(flash, engine.layout, keys, 0n, new SeededRandom('o'), { reserveSlack: -1 })).toThrow(
      RangeError,
    );
  });
});
