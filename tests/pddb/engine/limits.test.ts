// The original's limits: name lengths in UTF-8 bytes (basis 63, dict 110, key 94), passwords of at most 72 bytes,
// 16,383 dicts per basis, 131,071 keys per dict; and a full device: a typed NoFreeSpace, synced data intact, and
// rebuildSpace() recovering space when every basis is presented.
import { describe, expect, it } from 'vitest';
import { DICT_MAX_COUNT, KEYS_PER_DICT_MAX, VPAGE_SIZE } from '../../../pddb/format/constants.ts';
import { isPddbError, type PddbError } from '../../../pddb/errors.ts';
import { PddbEngine } from '../../../pddb/engine/engine.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { SeededRandom } from '../../../lib/random.ts';
import { PIN, expectBytes, expectCode, freshDevice, getText, put, reboot, remount, text, utf8 } from './helpers.ts';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('name lengths are counted in UTF-8 bytes', () => {
  it('basis: 63 bytes is fine, 64 is InvalidName (ASCII and multi-byte)', () => {
    const { flash, keybox, engine } = freshDevice('names');
    const ok = ['b'.repeat(63), 'é'.repeat(31) + 'x', '€'.repeat(21), '😀'.repeat(15) + 'abc'];
    const bad = ['b'.repeat(64), 'é'.repeat(32), '€'.repeat(21) + 'x', '😀'.repeat(16)];
    ok.forEach((n) => expect(bytes(n)).toBe(63));
    bad.forEach((n) => expect(bytes(n)).toBe(64));
    for (const name of bad) {
      expectCode(() => engine.createBasis(name, 'pw'), 'InvalidName');
      expectCode(() => engine.unlockBasis(name, 'pw'), 'InvalidName');
    }
    for (const name of ok) {
      engine.createBasis(name, 'pw');
      engine.unlockBasis(name, 'pw');
      put(engine, 'd', 'k', name, name);
    }
    expect(engine.listBasis()).toEqual(['.System', ...ok]);
    engine.sync();
    const e2 = remount(flash, keybox);
    for (const name of ok) {
      e2.unlockBasis(name, 'pw');
      expect(getText(e2, 'd', 'k', name)).toBe(name);
    }
  });

  it('dict: 110 bytes is fine, 111 is InvalidName; key: 94 fine, 95 InvalidName', () => {
    const { flash, keybox, engine } = freshDevice('names');
    const dictOk = ['d'.repeat(110), 'é'.repeat(55), '€'.repeat(36) + 'xy'];
    const dictBad = ['d'.repeat(111), 'é'.repeat(55) + 'x', '😀'.repeat(27) + 'abc'];
    const keyOk = ['k'.repeat(94), 'é'.repeat(47), '😀'.repeat(23) + 'xy'];
    const keyBad = ['k'.repeat(95), 'é'.repeat(47) + 'x', '€'.repeat(31) + 'xy'];
    dictOk.forEach((n) => expect(bytes(n)).toBe(110));
    dictBad.forEach((n) => expect(bytes(n)).toBe(111));
    keyOk.forEach((n) => expect(bytes(n)).toBe(94));
    keyBad.forEach((n) => expect(bytes(n)).toBe(95));
    for (const d of dictBad) {
      expectCode(() => engine.get(d, 'k', { createDict: true, createKey: true }), 'InvalidName');
      expectCode(() => engine.listKeys(d), 'InvalidName');
      expectCode(() => engine.deleteDict(d), 'InvalidName');
    }
    for (const k of keyBad) {
      expectCode(() => engine.get('d', k, { createDict: true, createKey: true }), 'InvalidName');
      expectCode(() => engine.deleteKey('d', k), 'InvalidName');
    }
    expect(engine.listDicts()).toEqual([]); // nothing was half-created
    for (const d of dictOk) for (const k of keyOk) put(engine, d, k, `${bytes(d)}/${bytes(k)}`);
    engine.sync();
    const e2 = remount(flash, keybox);
    expect(e2.listDicts()).toEqual([...dictOk].sort());
    for (const d of dictOk) {
      expect(e2.listKeys(d)).toEqual([...keyOk].sort());
      for (const k of keyOk) expect(getText(e2, d, k)).toBe('110/94');
    }
  });

  it('empty names and names holding NUL are InvalidName everywhere', () => {
    const { engine } = freshDevice('names');
    for (const bad of ['', '\0', 'a\0b', 'abc\0']) {
      expectCode(() => engine.createBasis(bad, 'pw'), 'InvalidName');
      expectCode(() => engine.unlockBasis(bad, 'pw'), 'InvalidName');
      expectCode(() => engine.get(bad, 'k', { createDict: true, createKey: true }), 'InvalidName');
      expectCode(() => engine.get('d', bad, { createDict: true, createKey: true }), 'InvalidName');
    }
    expect(engine.listDicts()).toEqual([]);
    put(engine, 'd', 'k', 'fine');
    expect(getText(engine, 'd', 'k')).toBe('fine');
  });
});

describe('passwords', () => {
  it('72 bytes is accepted, 73 is refused (InvalidArgument) for create and unlock, counted in bytes', () => {
    const { flash, keybox, engine } = freshDevice('passwords');
    const ok = ['p'.repeat(72), '€'.repeat(24), 'é'.repeat(36)];
    const bad = ['p'.repeat(73), '€'.repeat(24) + 'x', 'é'.repeat(36) + 'x'];
    ok.forEach((p) => expect(bytes(p)).toBe(72));
    bad.forEach((p) => expect(bytes(p)).toBe(73));
    ok.forEach((p, i) => engine.createBasis(`b${i}`, p));
    bad.forEach((p, i) => {
      expectCode(() => engine.createBasis(`bad${i}`, p), 'InvalidArgument');
      expectCode(() => engine.unlockBasis(`b${i}`, p), 'InvalidArgument');
    });
    engine.sync();
    const e2 = remount(flash, keybox);
    ok.forEach((p, i) => e2.unlockBasis(`b${i}`, p));
    expect(e2.listBasis()).toEqual(['.System', 'b0', 'b1', 'b2']);
    // A 72-byte password is all significant: changing its last byte gives another (absent) basis.
    expectCode(() => e2.unlockBasis('b0', 'p'.repeat(71) + 'q'), 'AccessDenied');
  });
});

describe('dict and key counts', () => {
  it(`${DICT_MAX_COUNT} dicts per basis, then LimitExceeded; deleting one makes room again`, () => {
    const { engine } = freshDevice('many-dicts');
    // createDict alone: the dict is made, the key is NotFound (cheaper than a key per dict).
    for (let i = 0; i < DICT_MAX_COUNT; i++) {
      try {
        engine.get(`d${i}`, 'k', { createDict: true });
      } catch (e) {
        if (!isPddbError(e, 'NotFound')) throw e;
      }
    }
    expect(engine.listDicts().length).toBe(DICT_MAX_COUNT);
    expectCode(() => engine.get('one-too-many', 'k', { createDict: true, createKey: true }), 'LimitExceeded');
    expect(engine.listDicts()).not.toContain('one-too-many');
    engine.deleteDict('d77');
    const h = engine.get('replacement', 'k', { createDict: true, createKey: true });
    engine.write(h, 0, utf8('ok'));
    expect(getText(engine, 'replacement', 'k')).toBe('ok');
    expect(engine.listDicts().length).toBe(DICT_MAX_COUNT);
    expectCode(() => engine.get('again', 'k', { createDict: true, createKey: true }), 'LimitExceeded');
    // (Not synced: 16,383 dict pages do not fit in a 4 MiB test device.)
  });

  it(`${KEYS_PER_DICT_MAX} keys per dict, then LimitExceeded; deleting one makes room again`, () => {
    const { engine } = freshDevice('many-keys');
    for (let i = 0; i < KEYS_PER_DICT_MAX; i++) engine.get('d', `k${i}`, { createDict: true, createKey: true });
    expect(engine.listKeys('d').length).toBe(KEYS_PER_DICT_MAX);
    expectCode(() => engine.get('d', 'one-too-many', { createKey: true }), 'LimitExceeded');
    expectCode(
      () => engine.get('d', 'large-too-many', { createKey: true, allocHint: 3 * VPAGE_SIZE }),
      'LimitExceeded',
    );
    expect(engine.listKeys('d').length).toBe(KEYS_PER_DICT_MAX);
    const last = engine.get('d', `k${KEYS_PER_DICT_MAX - 1}`);
    expect(engine.attributes(last).index).toBe(KEYS_PER_DICT_MAX); // slots 1..131071
    engine.deleteKey('d', 'k500');
    const h = engine.get('d', 'replacement', { createKey: true });
    expect(engine.attributes(h).index).toBe(engine.attributes(engine.get('d', 'k499')).index + 1);
    engine.write(h, 0, utf8('fits'));
    expect(getText(engine, 'd', 'replacement')).toBe('fits');
    expectCode(() => engine.get('d', 'again', { createKey: true }), 'LimitExceeded');
    // Other dicts are not limited by this one.
    put(engine, 'other', 'k', 'x');
    expect(getText(engine, 'other', 'k')).toBe('x');
  });

  it("a deleted dict's index is taken again once the deletion is committed (so a full basis can swap dicts)", () => {
    const { flash, keybox, engine } = freshDevice('dict-index');
    const indexOf = (e: PddbEngine, dict: string) => e.get(dict, 'k').catalog.dict(dict)!.index;
    for (const d of ['a', 'b', 'c']) put(engine, d, 'k', d);
    engine.sync();
    expect(['a', 'b', 'c'].map((d) => indexOf(engine, d))).toEqual([1, 2, 3]);
    engine.deleteDict('b');
    put(engine, 'x', 'k', 'x'); // may or may not take index 2 yet (b's pages are on the table until the commit)
    engine.sync();
    put(engine, 'y', 'k', 'y');
    engine.sync();
    // Once the deletion is committed, index 2 is free: x or y has it, and the indices stay 1..4.
    const indices = ['a', 'c', 'x', 'y'].map((d) => indexOf(engine, d)).sort((p, q) => p - q);
    expect(indices).toEqual([1, 2, 3, 4]);
    const e2 = remount(flash, keybox);
    expect(e2.listDicts()).toEqual(['a', 'c', 'x', 'y']);
    expect(['a', 'c', 'x', 'y'].map((d) => getText(e2, d, 'k'))).toEqual(['a', 'c', 'x', 'y']);
    expect(['a', 'c', 'x', 'y'].map((d) => indexOf(e2, d)).sort((p, q) => p - q)).toEqual([1, 2, 3, 4]);
  });

  it('a key larger than its 32 GiB region is LimitExceeded (by hint or by write), with no side effect', () => {
    const { engine } = freshDevice('huge');
    const tooBig = 0x8_0000_0f60 + 1;
    expectCode(
      () => engine.get('newdict', 'k', { createDict: true, createKey: true, allocHint: tooBig }),
      'LimitExceeded',
    );
    expect(engine.listDicts()).toEqual([]);
    const h = engine.get('d', 'k', { createDict: true, createKey: true });
    expectCode(() => engine.write(h, tooBig - 1, utf8('xy')), 'LimitExceeded');
    expect(engine.attributes(h).len).toBe(0);
    expect(engine.listKeys('d')).toEqual(['k']);
    engine.write(h, 0, utf8('small'));
    engine.sync();
    expect(getText(engine, 'd', 'k')).toBe('small');
  });
});

/** A 3-page value whose bytes name the key. */
const big = (i: number) => new Uint8Array(3 * VPAGE_SIZE).fill((i * 31 + 7) & 0xff);

/** Sync; on NoFreeSpace rebuild the free-space cache once and retry. The refusal, if that does not help either. */
function syncOrRebuild(
  engine: PddbEngine,
  stats: { rebuilds: number; firstFailure: PddbError | null },
): PddbError | null {
  try {
    engine.sync();
    return null;
  } catch (e) {
    if (!isPddbError(e, 'NoFreeSpace')) throw e;
    stats.firstFailure ??= e;
  }
  stats.rebuilds++;
  engine.rebuildSpace({ allBasesPresent: true });
  return refusal(() => engine.sync());
}

/** Run a sync: null, or the DiskFull / NoFreeSpace that refused it. */
function refusal(sync: () => void): PddbError | null {
  try {
    sync();
    return null;
  } catch (e) {
    if (!isPddbError(e, 'DiskFull') && !isPddbError(e, 'NoFreeSpace')) throw e;
    return e;
  }
}

/**
 * A refused sync carries the right code, judged by counting: DiskFull when fewer pages are free than it needs,
 * NoFreeSpace when they exist but the cache cannot hand them out. (A rebuild lists only 0.4-0.6 of the free pages,
 * so near the end either can happen; what matters is that each is told truly.) The refusal wrote nothing, so the
 * free pages are those the last synced image leaves: counted on a copy with every basis open.
 */
function expectTrueCode(flash: MemoryFlash, keybox: Uint8Array, e: PddbError): void {
  const needs = Number(/needs (\d+)/.exec(e.message)?.[1]);
  expect(needs, e.message).toBeGreaterThanOrEqual(4); // 3 data pages and the root, at least
  const probe = remount(flash, keybox, 'count');
  probe.unlockBasis('S', 'pw');
  const free = probe.layout.dataPages - probe.check().bases.reduce((n, b) => n + b.pages, 0);
  expect(e.code, `${e.message}; ${free} pages free by count`).toBe(free < needs ? 'DiskFull' : 'NoFreeSpace');
  if (e.code === 'DiskFull') expect(e.message).toContain(`${free} are free`);
}

describe('a full device', () => {
  /**
   * Fill .System with 3-page keys, rebuilding FastSpace whenever it runs dry, until even that does not help; then,
   * in a session that vouches every basis is present (allBasesPresent: the cache refills from a full scan), until
   * the device is full. Every refusal is checked against a count of the free pages.
   */
  function fillUp(seed: string) {
    const device = freshDevice(seed);
    const { keybox } = device;
    device.engine.createBasis('S', 'pw');
    device.engine.unlockBasis('S', 'pw'); // every basis presented: rebuildSpace is safe
    put(device.engine, 'secret', 'k', 'kept in S', 'S');
    device.engine.sync();
    const stats = { rebuilds: 0, firstFailure: null as PddbError | null };
    let syncedBeforeFirstFailure = -1;
    const synced: number[] = [];
    let i = 0;
    const fill = (engine: PddbEngine, flash: MemoryFlash, sync: () => PddbError | null): PddbError => {
      for (; ; i++) {
        expect(i).toBeLessThan(1000); // a 4 MiB device holds far fewer
        engine.write(engine.get('fill', `k${i}`, { createDict: true, createKey: true, basis: '.System' }), 0, big(i));
        const failedBefore = stats.firstFailure !== null;
        const refused = sync();
        if (!failedBefore && stats.firstFailure) {
          syncedBeforeFirstFailure = synced.length;
          expectTrueCode(flash, keybox, stats.firstFailure);
        }
        if (refused) {
          expectTrueCode(flash, keybox, refused);
          return refused;
        }
        synced.push(i);
      }
    };
    fill(device.engine, device.flash, () => syncOrRebuild(device.engine, stats));
    // Power off (the refused key was never synced) and on, every basis present: now only a full device stops it.
    const flash = MemoryFlash.from(device.flash.snapshot());
    const engine = PddbEngine.mount(flash, keybox, PIN, {
      random: new SeededRandom(`${seed}-all`),
      allBasesPresent: true,
    });
    engine.unlockBasis('S', 'pw');
    const full = fill(engine, flash, () => refusal(() => engine.sync()));
    expect(full.code, full.message).toBe('DiskFull');
    return { flash, keybox, engine, stats, synced, failed: i, syncedBeforeFirstFailure };
  }

  it('gives a typed NoFreeSpace; rebuildSpace() recovers the free pages FastSpace did not list; synced data survives', () => {
    const { flash, keybox, engine, stats, synced, failed, syncedBeforeFirstFailure } = fillUp('full');
    expect(stats.firstFailure).toBeInstanceOf(Error);
    expect(stats.firstFailure?.code).toBe('NoFreeSpace');
    expect(stats.rebuilds).toBeGreaterThanOrEqual(1);
    // FastSpace holds about half of the free pages: the rebuilds let many more keys in.
    expect(synced.length).toBeGreaterThan(syncedBeforeFirstFailure + 20);

    // Power cut now: every key a sync acknowledged is there, and the one whose sync failed is not (a commit that
    // FastSpace cannot finish is refused before it writes anything).
    const r = reboot(flash, keybox, 'after-full');
    expect(r.engine.listKeys('fill').length).toBe(synced.length);
    for (const i of synced) expectBytes(r.engine.readAll(r.engine.get('fill', `k${i}`)), big(i));
    r.engine.unlockBasis('S', 'pw');
    expect(getText(r.engine, 'secret', 'k')).toBe('kept in S');

    // In the filling session itself, the refused sync leaked nothing: deleting keys (the unsynced one too) commits.
    for (const i of synced.slice(0, 30)) engine.deleteKey('fill', `k${i}`, '.System');
    engine.deleteKey('fill', `k${failed}`, '.System');
    expect(syncOrRebuild(engine, stats)).toBeNull();

    // And after the power cycle, with every basis presented: drop keys, rebuild, and writes work again.
    for (const i of synced.slice(0, 30)) r.engine.deleteKey('fill', `k${i}`, '.System');
    expect(syncOrRebuild(r.engine, stats)).toBeNull();
    expect(r.engine.rebuildSpace({ allBasesPresent: true })).toBeGreaterThan(10);
    r.engine.write(r.engine.get('fill', 'after', { createKey: true, basis: '.System' }), 0, big(999));
    r.engine.sync();
    const e3 = remount(r.flash, keybox, 'after-recovery');
    expect(e3.listKeys('fill').length).toBe(synced.length - 30 + 1);
    expectBytes(e3.readAll(e3.get('fill', 'after')), big(999));
    for (const i of synced.slice(30)) expectBytes(e3.readAll(e3.get('fill', `k${i}`)), big(i));
    e3.unlockBasis('S', 'pw');
    expect(getText(e3, 'secret', 'k')).toBe('kept in S');
  });

  it('locking a basis on a full device fails NoFreeSpace and leaves it open with its changes', () => {
    const { flash, keybox, engine } = freshDevice('full-lock');
    engine.createBasis('S', 'pw');
    engine.unlockBasis('S', 'pw');
    put(engine, 'd', 'synced', 'v1', 'S');
    engine.sync();
    // Fill until FastSpace runs dry (no rebuild).
    for (let i = 0; ; i++) {
      engine.write(engine.get('fill', `k${i}`, { createDict: true, createKey: true, basis: '.System' }), 0, big(i));
      try {
        engine.sync();
      } catch (e) {
        if (!isPddbError(e, 'NoFreeSpace')) throw e;
        engine.deleteKey('fill', `k${i}`, '.System');
        break;
      }
    }
    // A change bigger than what is left (a failed sync takes nothing: a few pages may remain).
    const pending = 'not yet synced '.repeat(4000);
    put(engine, 'd', 'pending', pending, 'S');
    expectCode(() => engine.lockBasis('S'), 'NoFreeSpace');
    expect(engine.listBasis()).toEqual(['.System', 'S']);
    expect(getText(engine, 'd', 'pending', 'S')).toBe(pending);
    engine.rebuildSpace({ allBasesPresent: true });
    engine.lockBasis('S');
    expect(engine.listBasis()).toEqual(['.System']);
    const e2 = remount(flash, keybox);
    e2.unlockBasis('S', 'pw');
    expect(getText(e2, 'd', 'pending')).toBe(pending);
    expect(getText(e2, 'd', 'synced')).toBe('v1');
  });
});

it('text helper sanity', () => expect(text(utf8('é€😀'))).toBe('é€😀'));
