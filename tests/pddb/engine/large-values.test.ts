// Issue 6 #7: values larger than the free-space cache. FastSpace lists about half the free pages (at most 2041), so
// such a value needs the caller's promise that every basis is present (EngineOptions.allBasesPresent); without it
// the sync is refused before anything is written, and a full device and a dry cache give different errors.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../lib/random.ts';
import { PddbEngine } from '../../../pddb/engine/engine.ts';
import type { Store } from '../../../pddb/engine/store.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { PAGE_SIZE, VPAGE_SIZE } from '../../../pddb/format/constants.ts';
import { FSCB_PAGES } from '../../../pddb/format/layout.ts';
import { FlashRecorder } from './flash-recorder.ts';
import { PIN, bytesOf, expectBytes, expectCode, freshDevice, put } from './helpers.ts';

const storeOf = (e: PddbEngine) => (e as unknown as { store: Store }).store;

/** A formatted device with a secret basis holding one key, and a value of `share` of the data pages. */
function setup(seed: string, share: number) {
  const ctx = freshDevice(seed);
  ctx.engine.createBasis('S', 'pw');
  ctx.engine.unlockBasis('S', 'pw');
  put(ctx.engine, 'secret', 'k', 'kept in S', 'S');
  ctx.engine.close();
  const pages = Math.floor(ctx.engine.layout.dataPages * share);
  return {
    ...ctx,
    value: bytesOf(new SeededRandom(`${seed}/value`), pages * VPAGE_SIZE - 100),
    image: ctx.flash.snapshot(),
  };
}

const mount = (flash: MemoryFlash | FlashRecorder, keybox: Uint8Array, allBasesPresent: boolean, seed = 'large') => {
  const e = PddbEngine.mount(flash, keybox, PIN, { random: new SeededRandom(seed), allBasesPresent });
  e.unlockBasis('S', 'pw');
  return e;
};

describe('a value larger than the free-space cache', () => {
  it('without allBasesPresent: NoFreeSpace "the free-space cache ran dry", nothing written; with it: written whole', {
    timeout: 120_000,
  }, () => {
    const { keybox, value, image } = setup('large-dry', 0.7);
    const flash = MemoryFlash.from(image);
    const e = mount(flash, keybox, false);
    const listed = e.freeSpace;
    expect(value.length / VPAGE_SIZE).toBeGreaterThan(listed); // the cache alone cannot take it
    put(e, 'big', 'v', value, '.System');
    const err = expectCode(() => e.sync(), 'NoFreeSpace');
    expect(err.message).toMatch(/free-space cache ran dry \(\d+ pages listed/);
    expect(err.message).toMatch(/rebuildspace --all-bases-present/);
    expect(Buffer.from(flash.snapshot()).equals(Buffer.from(image)), 'the refused sync wrote nothing').toBe(true);

    const again = MemoryFlash.from(image);
    const e2 = mount(again, keybox, true);
    put(e2, 'big', 'v', value, '.System');
    e2.sync();
    const e3 = mount(MemoryFlash.from(again.snapshot()), keybox, false, 'reread');
    expectBytes(e3.readAll(e3.get('big', 'v')), value, 'the large value');
    expect(e3.readAll(e3.get('secret', 'k')).length).toBe('kept in S'.length);
    // FastSpace offers no page a basis maps.
    const { inUse, space } = storeOf(e3);
    expect(space.allocatable().filter((p) => inUse.has(p))).toEqual([]);
  });

  it('more than the device holds: DiskFull "the device is full", nothing written; deleting makes room again', {
    timeout: 120_000,
  }, () => {
    const { keybox, value, image } = setup('large-full', 0.6);
    const flash = MemoryFlash.from(image);
    const e = mount(flash, keybox, true);
    put(e, 'big', 'a', value, '.System');
    e.sync();
    const synced = flash.snapshot();
    put(e, 'big', 'b', value, '.System');
    expect(expectCode(() => e.sync(), 'DiskFull').message).toMatch(
      /the device is full: this sync needs \d+ free pages, \d+ are free/,
    );
    expect(Buffer.from(flash.snapshot()).equals(Buffer.from(synced)), 'the refused sync wrote nothing').toBe(true);
    // Without the promise, the same sync is also DiskFull: the free pages in view are too few either way.
    const e2 = mount(MemoryFlash.from(synced), keybox, false, 'no-promise');
    put(e2, 'big', 'b', value, '.System');
    expectCode(() => e2.sync(), 'DiskFull');
    // Copy-on-write: a sync writes its new pages before it frees what it replaces, so the second value fits only
    // once the deletion of the first is synced.
    e.deleteKey('big', 'a', '.System');
    expectCode(() => e.sync(), 'DiskFull');
    e.deleteKey('big', 'b', '.System');
    e.sync();
    put(e, 'big', 'b', value, '.System');
    e.sync();
    const e3 = mount(MemoryFlash.from(flash.snapshot()), keybox, false, 'reread');
    expect(e3.listKeys('big')).toEqual(['b']);
    expectBytes(e3.readAll(e3.get('big', 'b')), value, 'the second value');
  });

  it('a write past what any device of this size holds is DiskFull at once, before it takes memory', () => {
    const { engine } = freshDevice('large-huge');
    const h = engine.get('d', 'k', { createDict: true, createKey: true });
    expectCode(() => engine.write(h, (engine.layout.dataPages + 1) * VPAGE_SIZE, new Uint8Array(1)), 'DiskFull');
    expect(engine.attributes(h).len).toBe(0);
    engine.sync();
    expect(engine.readAll(engine.get('d', 'k')).length).toBe(0);
  });

  it('rebuildSpace() refuses to run without the confirmation that every basis is present', () => {
    const { engine } = freshDevice('large-rebuild');
    expect(expectCode(() => engine.rebuildSpace(), 'InvalidArgument').message).toMatch(/--all-bases-present/);
    expectCode(() => engine.rebuildSpace({ allBasesPresent: false }), 'InvalidArgument');
    expect(engine.rebuildSpace({ allBasesPresent: true })).toBeGreaterThan(0);
  });

  it('a power cut while the commit refills the cache: the old state mounts, and the cache offers no live page', {
    timeout: 120_000,
  }, () => {
    const { keybox, value, image } = setup('large-cut', 0.7);
    const recorder = new FlashRecorder(image);
    const e0 = mount(recorder, keybox, true, 'cut-run');
    put(e0, 'big', 'v', value, '.System');
    e0.sync();
    // Cuts at every 5th op on the FSCB (the refills rewrite the master record) and spread over the rest, torn and
    // not (a remount per cut is the cost).
    const layout = e0.layout;
    const fscb = (sector: number) =>
      sector >= layout.fscbOffset / PAGE_SIZE && sector < layout.fscbOffset / PAGE_SIZE + FSCB_PAGES;
    const fscbOps = recorder.ops.flatMap((o, i) =>
      fscb(o.kind === 'erase' ? o.sector : Math.floor(o.offset / PAGE_SIZE)) ? [i] : [],
    );
    const others = recorder.ops.flatMap((_, i) => (i % 151 === 0 ? [i] : []));
    expect(fscbOps.length).toBeGreaterThan(0);
    const cuts = [...new Set([...fscbOps.filter((_, j) => j % 5 === 0), ...others])];
    const failures: string[] = [];
    for (const op of cuts) {
      for (const torn of [false, true]) {
        const e = mount(MemoryFlash.from(recorder.cut(image, op, torn).image), keybox, false, 'after');
        const keys = e.listDicts().includes('big') ? e.listKeys('big') : [];
        if (keys.length > 0) {
          const got = e.readAll(e.get('big', 'v'));
          if (got.length !== 0 && !Buffer.from(got).equals(Buffer.from(value)))
            failures.push(`op ${op}${torn ? ' torn' : ''}: a partial value`);
        }
        const { inUse, space } = storeOf(e);
        if (space.allocatable().some((p) => inUse.has(p)))
          failures.push(`op ${op}${torn ? ' torn' : ''}: FastSpace offers a live page`);
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });
});
