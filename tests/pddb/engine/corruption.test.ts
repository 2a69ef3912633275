// Bad images: truncated, resized, bit flips, zeroed or erased sectors in every region, a damaged page table, root
// page, key page or keybox. Each gives a typed error (PddbError with a code; FlashError from the flash layer) or a
// mount of everything that survives: never a TypeError/RangeError, never a hang, never another basis damaged, and
// never a wrong value returned where the engine can tell (authenticated data pages).
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SeededRandom, randomBytes } from '../../../lib/random.ts';
import { PddbEngine } from '../../../pddb/engine/engine.ts';
import { PageTable } from '../../../pddb/engine/pagetable.ts';
import type { Store } from '../../../pddb/engine/store.ts';
import { PddbError, type PddbCode } from '../../../pddb/errors.ts';
import { FlashError } from '../../../pddb/flash/errors.ts';
import { FileFlash } from '../../../pddb/flash/file.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { PAGE_SIZE, TEST_PDDB_LEN, VPAGE_SIZE } from '../../../pddb/format/constants.ts';
import { openDataPage, pageAad } from '../../../pddb/format/datapage.ts';
import { FSCB_PAGES, MBBB_PAGES, computeLayout } from '../../../pddb/format/layout.ts';
import { ROOT_VPAGE } from '../../../pddb/format/rootpage.ts';

const PIN = '8642';
const BASES: Record<string, string> = { alpha: 'pa', beta: 'pb' };
const layout = computeLayout(TEST_PDDB_LEN);

// ---------------------------------------------------------------- the image every test damages

type Values = Map<string, Uint8Array>; // "basis/dict/key" -> value

function build(): { image: Uint8Array; keybox: Uint8Array; values: Values } {
  const flash = new MemoryFlash(TEST_PDDB_LEN);
  const keybox = PddbEngine.format(flash, { pin: PIN, random: new SeededRandom('bad-format') });
  const e = PddbEngine.mount(flash, keybox, PIN, { random: new SeededRandom('bad-mount') });
  const values: Values = new Map();
  const rng = new SeededRandom('bad-values');
  const put = (basis: string, dict: string, key: string, n: number) => {
    const v = rng.fill(new Uint8Array(n));
    e.write(e.get(dict, key, { basis, createDict: true, createKey: true }), 0, v);
    values.set(`${basis}/${dict}/${key}`, v);
  };
  for (const [name, pw] of Object.entries(BASES)) {
    e.createBasis(name, pw);
    e.unlockBasis(name, pw);
  }
  for (let i = 0; i < 3; i++) put('.System', 'sys', `s${i}`, 40 + i);
  for (let i = 0; i < 5; i++) put('alpha', 'a1', `a${i}`, 100 + 50 * i);
  put('alpha', 'a1', 'abig', 12_000);
  put('alpha', 'a2', 'only', 64);
  for (let i = 0; i < 4; i++) put('beta', 'b1', `b${i}`, 30 + i);
  put('beta', 'b1', 'bbig', 9_000);
  e.sync();
  e.sync(); // the scrub of superseded small-key ranges
  e.lockBasis('alpha');
  e.lockBasis('beta');
  return { image: flash.snapshot(), keybox, values };
}

const { image, keybox, values } = build();

/** Physical pages of each basis, and for each key the pages holding its bytes (found by decrypting). */
function whereIs(): { pages: Map<string, Map<number, number>>; keyPages: Map<string, Set<number>> } {
  const flash = MemoryFlash.from(image);
  const e = PddbEngine.mount(flash, keybox, PIN, { random: new SeededRandom('where') });
  for (const [name, pw] of Object.entries(BASES)) e.unlockBasis(name, pw);
  const pt = PageTable.load(flash, layout, new SeededRandom('probe'));
  const pages = new Map<string, Map<number, number>>();
  const keyPages = new Map<string, Set<number>>();
  for (const { name, keys } of e.exportKeys()) {
    const map = new Map<number, number>(); // phys -> vpage
    for (const m of pt.scan(keys.pt)) map.set(m.phys, m.vpage);
    pages.set(name, map);
    for (const [phys, vpage] of map) {
      if (vpage === ROOT_VPAGE) continue;
      const opened = openDataPage(
        keys.data,
        flash.read(layout.dataOffset + phys * PAGE_SIZE, PAGE_SIZE),
        pageAad(name, 0n),
      );
      if (!opened) continue;
      const page = Buffer.from(opened.data);
      for (const [path, v] of values) {
        if (!path.startsWith(`${name}/`)) continue;
        for (let at = 0; at < v.length; at += VPAGE_SIZE) {
          const probe = Buffer.from(v.subarray(at, Math.min(v.length, at + 24)));
          if (page.includes(probe)) {
            let set = keyPages.get(path);
            if (!set) keyPages.set(path, (set = new Set()));
            set.add(phys);
          }
        }
      }
    }
  }
  return { pages, keyPages };
}

const where = whereIs();
const rootOf = (basis: string) => [...where.pages.get(basis)!].find(([, v]) => v === ROOT_VPAGE)![0];
const dataSector = (phys: number) => layout.dataOffset / PAGE_SIZE + phys;
/** Every physical page any basis maps in the undamaged image. */
const live = new Set([...where.pages.values()].flatMap((m) => [...m.keys()]));
/** Dict indices, in the order build() created the dicts of each basis. */
const DICT_INDEX: Record<string, number> = { sys: 1, a1: 1, a2: 2, b1: 1 };
const DICT_REGION_VPAGES = 4096;
const POOL_FIRST_VPAGE = 0x400_0000;

/** The keys (and bases) that depend on a physical page for which `lost` is true. */
function affectedBy(lost: (phys: number) => boolean): { keys: Set<string>; bases: Set<string> } {
  const keys = new Set<string>();
  const bases = new Set<string>();
  for (const [path, pages] of where.keyPages) if ([...pages].some(lost)) keys.add(path);
  for (const [basis, map] of where.pages) {
    for (const [phys, vpage] of map) {
      if (!lost(phys)) continue;
      if (vpage === ROOT_VPAGE) bases.add(basis);
      const d = vpage >= DICT_REGION_VPAGES && vpage < POOL_FIRST_VPAGE ? Math.floor(vpage / DICT_REGION_VPAGES) : 0;
      for (const path of values.keys()) {
        const [b, dict] = path.split('/');
        if (b === basis && (vpage === ROOT_VPAGE || DICT_INDEX[dict] === d)) keys.add(path);
      }
    }
  }
  return { keys, bases };
}

// ---------------------------------------------------------------- what a damaged image shows

type Outcome = 'ok' | PddbCode | 'WRONG';
interface Report {
  mount: 'ok' | PddbCode;
  bases: Map<string, 'ok' | PddbCode>;
  keys: Map<string, Outcome>;
  /** With every basis unlocked: pages FastSpace would hand out that some basis maps (must be none). */
  offersLive: number[];
  /** After writes and a sync on the damaged image: does a remount still show every key as it was? */
  stable: boolean;
}

/** Call `fn`; a PddbError becomes its code, anything else thrown fails the test (a crash). */
function typed<T>(fn: () => T): T | PddbCode {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PddbError) return e.code;
    throw new Error(`not a typed error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
  }
}

function readAll(e: PddbEngine): Map<string, Outcome> {
  const out = new Map<string, Outcome>();
  for (const [path, want] of values) {
    const [basis, dict, key] = path.split('/');
    if (!e.listBasis().includes(basis)) continue;
    const got = typed(() => e.readAll(e.get(dict, key, { basis })));
    out.set(path, typeof got === 'string' ? got : Buffer.from(got).equals(Buffer.from(want)) ? 'ok' : 'WRONG');
  }
  return out;
}

function unlockAll(e: PddbEngine): Map<string, 'ok' | PddbCode> {
  const bases = new Map<string, 'ok' | PddbCode>();
  for (const [name, pw] of Object.entries(BASES)) {
    const r = typed(() => e.unlockBasis(name, pw));
    bases.set(name, r === undefined ? 'ok' : r);
  }
  return bases;
}

/** Mount a damaged image, unlock, read everything; then write, sync, remount and compare. */
function examine(damaged: Uint8Array): Report {
  const flash = MemoryFlash.from(damaged);
  const mounted = typed(() => PddbEngine.mount(flash, keybox, PIN, { random: new SeededRandom('examine') }));
  if (typeof mounted === 'string')
    return { mount: mounted, bases: new Map(), keys: new Map(), offersLive: [], stable: true };
  const e = mounted;
  const bases = unlockAll(e);
  const keys = readAll(e);
  const offersLive = (e as unknown as { store: Store }).store.space.allocatable().filter((p) => live.has(p));
  // Keep using it: new keys in every open basis, a sync (NoFreeSpace is a fair answer on a damaged FSCB).
  const wrote = typed(() => {
    for (const basis of e.listBasis())
      e.write(e.get('after', 'k', { basis, createDict: true, createKey: true }), 0, new Uint8Array([1, 2, 3]));
    e.sync();
  });
  let stable = true;
  if (wrote === undefined) {
    const again = PddbEngine.mount(MemoryFlash.from(flash.snapshot()), keybox, PIN, {
      random: new SeededRandom('again'),
    });
    unlockAll(again);
    const keys2 = readAll(again);
    for (const [path, outcome] of keys) if (outcome === 'ok' && keys2.get(path) !== 'ok') stable = false;
    for (const basis of again.listBasis())
      if (typed(() => again.readAll(again.get('after', 'k', { basis }))) instanceof Uint8Array === false)
        stable = false;
  } else {
    expect(['NoFreeSpace', 'BadImage']).toContain(wrote);
  }
  return { mount: 'ok', bases, keys, offersLive, stable };
}

function damage(fn: (img: Uint8Array) => void): Uint8Array {
  const copy = image.slice();
  fn(copy);
  return copy;
}
const fillSector = (img: Uint8Array, sector: number, byte: number) =>
  img.fill(byte, sector * PAGE_SIZE, (sector + 1) * PAGE_SIZE);
const flipBits = (img: Uint8Array, sector: number, n: number, seed: string) => {
  const rng = new SeededRandom(seed);
  for (let i = 0; i < n; i++) {
    const [a, b, c] = rng.fill(new Uint8Array(3));
    img[sector * PAGE_SIZE + (((a << 8) | b) % PAGE_SIZE)] ^= 1 << (c % 8);
  }
};

/**
 * Every key: ok, except the `broken` ones, which fail with a typed error, never a wrong value (a lost table entry
 * included: every page of a key's extent is mapped, so a missing one is damage, not a hole of zeros). Nothing
 * that reads fine changes after a sync and remount, and FastSpace offers no live page.
 */
function expectOnly(r: Report, broken: Iterable<string>): void {
  const bad = new Set(broken);
  for (const [path, outcome] of r.keys) {
    if (bad.has(path)) expect(['BadImage', 'NotFound'], `${path}`).toContain(outcome);
    else expect(outcome, path).toBe('ok');
  }
  expect(r.stable, 'what read fine before a sync reads fine after it and a remount').toBe(true);
  expect(r.offersLive, 'FastSpace offers pages that bases map').toEqual([]);
}

/** Mounted, and every basis unlocked except `lostBases`. */
function okReport(r: Report, lostBases: Iterable<string> = []): void {
  expect(r.mount).toBe('ok');
  const lost = new Set(lostBases);
  for (const [b, s] of r.bases) expect(s, b).toBe(lost.has(b) ? 'AccessDenied' : 'ok');
}

// ---------------------------------------------------------------- the cases

describe('bad image sizes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pddb-bad-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an image file whose size is not a multiple of 4096: FlashError BadImageSize', () => {
    const path = join(dir, 'short.bin');
    writeFileSync(path, image);
    truncateSync(path, image.length - 100);
    expect(() => FileFlash.open(path)).toThrow(FlashError);
    try {
      FileFlash.open(path);
    } catch (e) {
      expect((e as FlashError).code).toBe('BadImageSize');
    }
  });

  it('a few pages short (same table size): mounts; keys on the lost pages fail with a typed error', () => {
    // Cut just below the highest page a key lives on, and below the lowest mapped page the cut can reach without
    // changing the table size (where pages land is random: the cut is chosen from where they did).
    const keyPages = [...where.keyPages.values()].flatMap((s) => [...s]).sort((a, b) => b - a);
    const sameTable = (lostFrom: number) => TEST_PDDB_LEN / PAGE_SIZE - (layout.dataPages - lostFrom) > 3 * 256;
    const reachable = [...live].filter(sameTable).sort((a, b) => b - a);
    for (const lostFrom of [keyPages[0], reachable[reachable.length - 1]]) {
      const lostPages = layout.dataPages - lostFrom;
      expect(TEST_PDDB_LEN / PAGE_SIZE - lostPages, 'still the same table size').toBeGreaterThan(3 * 256);
      const r = examine(image.slice(0, image.length - lostPages * PAGE_SIZE));
      const { keys, bases } = affectedBy((p) => p >= lostFrom);
      if (bases.has('.System')) {
        expect(r.mount).toBe('BadImage');
        continue;
      }
      okReport(r, bases);
      expect(keys.size, 'the cut should hit something').toBeGreaterThan(0);
      expectOnly(r, keys);
    }
  });

  it('a file image cut to a 4096 multiple: the same, through FileFlash', () => {
    const path = join(dir, 'cut.bin');
    writeFileSync(path, image);
    truncateSync(path, image.length - 3 * PAGE_SIZE);
    const f = FileFlash.open(path);
    const e = typed(() => PddbEngine.mount(f, keybox, PIN));
    expect(e).toBeInstanceOf(PddbEngine);
    f.close();
  });

  it('shorter or longer by enough to change the table size, or too small for a PDDB: BadImage', () => {
    // The layout follows from the size: 4 MiB is exactly 4 table pages, so one page more already moves the key
    // page, and the version check there fails.
    const half = image.slice(0, image.length / 2);
    expect(examine(half).mount).toBe('BadImage');
    for (const extra of [1, 5, 1024]) {
      const longer = new Uint8Array(image.length + extra * PAGE_SIZE).fill(0xff);
      longer.set(image);
      expect(examine(longer).mount).toBe('BadImage');
    }
    expect(examine(image.slice(0, 8 * PAGE_SIZE)).mount).toBe('BadImage');
  });
});

describe('never formatted, wrong PIN, bad keybox', () => {
  it('all 0xFF: BadImage "not formatted"; all zeros and random bytes: BadImage', () => {
    const blank = new MemoryFlash(TEST_PDDB_LEN);
    let err: unknown;
    try {
      PddbEngine.mount(blank, keybox, PIN);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PddbError);
    expect((err as PddbError).code).toBe('BadImage');
    expect((err as PddbError).message).toMatch(/not formatted/);
    expect(examine(new Uint8Array(TEST_PDDB_LEN)).mount).toBe('BadImage');
    expect(examine(randomBytes(new SeededRandom('noise'), TEST_PDDB_LEN)).mount).toBe('BadImage');
  });

  it('wrong PIN: AccessDenied', () => {
    expect(typed(() => PddbEngine.mount(MemoryFlash.from(image), keybox, '0000'))).toBe('AccessDenied');
  });

  it('garbage keybox: a typed error (BadImage or AccessDenied), whatever the bytes', () => {
    const rng = new SeededRandom('keybox');
    for (let i = 0; i < 6; i++) {
      const kb = i < 3 ? randomBytes(rng, 1024) : keybox.slice();
      if (i >= 3) for (let j = 0; j < 16; j++) kb[(rng.fill(new Uint8Array(2))[0] << 2) % 1024] ^= 0xff;
      if (i === 2) kb.fill(0xff);
      const r = typed(() => PddbEngine.mount(MemoryFlash.from(image), kb, PIN));
      expect(['BadImage', 'AccessDenied', 'InvalidArgument']).toContain(r instanceof PddbEngine ? 'ok' : r);
    }
    expect(typed(() => PddbEngine.mount(MemoryFlash.from(image), new Uint8Array(10), PIN))).toBe('BadImage');
  });
});

describe('data pages', () => {
  it('bit flips in a key page: that key fails with a typed error, every other key and basis is fine', () => {
    for (const path of ['alpha/a1/a2', 'alpha/a1/abig', 'beta/b1/bbig']) {
      const phys = [...where.keyPages.get(path)!][0];
      const r = examine(damage((img) => flipBits(img, dataSector(phys), 1, path)));
      okReport(r);
      // Small keys share pool pages: every key on the damaged page fails, the others do not.
      const { keys } = affectedBy((p) => p === phys);
      expect([...keys]).toContain(path);
      expectOnly(r, keys);
    }
  });

  for (const [what, byte] of [
    ['zeroed', 0x00],
    ['erased (0xFF)', 0xff],
  ] as const) {
    it(`a ${what} data page: the keys on it fail with a typed error; others fine`, () => {
      const phys = [...where.keyPages.get('beta/b1/b1')!][0];
      const r = examine(damage((img) => fillSector(img, dataSector(phys), byte)));
      okReport(r);
      expectOnly(r, affectedBy((p) => p === phys).keys);
    });
  }

  it('a damaged dict header page: that dict is not listed (or its keys fail), the rest mounts', () => {
    const headers = [...where.pages.get('alpha')!].filter(([, v]) => v === 2 * 4096).map(([p]) => p);
    expect(headers.length).toBe(1);
    const r = examine(damage((img) => flipBits(img, dataSector(headers[0]), 3, 'hdr')));
    okReport(r);
    expectOnly(
      r,
      [...values.keys()].filter((k) => k.startsWith('alpha/a2/')),
    );
  });
});

describe('root pages', () => {
  for (const [what, fn] of [
    ['bit flips', (img: Uint8Array, s: number) => flipBits(img, s, 2, 'root')],
    ['zeroed', (img: Uint8Array, s: number) => fillSector(img, s, 0)],
    ['erased', (img: Uint8Array, s: number) => fillSector(img, s, 0xff)],
  ] as const) {
    it(`${what}: that basis does not open (AccessDenied), the others unlock and read fine`, () => {
      const r = examine(damage((img) => fn(img, dataSector(rootOf('alpha')))));
      expect(r.mount).toBe('ok');
      expect(r.bases.get('alpha')).toBe('AccessDenied');
      expect(r.bases.get('beta')).toBe('ok');
      expectOnly(r, []);
    });
  }

  it('the .System root damaged: BadImage (no .System root)', () => {
    expect(examine(damage((img) => flipBits(img, dataSector(rootOf('.System')), 1, 'sys'))).mount).toBe('BadImage');
  });
});

describe('key page', () => {
  const keySector = layout.keyPageOffset / PAGE_SIZE;
  it('zeroed or erased: BadImage (not formatted)', () => {
    expect(examine(damage((img) => fillSector(img, keySector, 0))).mount).toBe('BadImage');
    expect(examine(damage((img) => fillSector(img, keySector, 0xff))).mount).toBe('BadImage');
  });
  it('a flipped version: BadImage; a flipped wrapped key: AccessDenied (as a wrong PIN)', () => {
    expect(examine(damage((img) => (img[layout.keyPageOffset + 1] ^= 4))).mount).toBe('BadImage');
    expect(examine(damage((img) => (img[layout.keyPageOffset + 10] ^= 4))).mount).toBe('AccessDenied');
    expect(examine(damage((img) => (img[layout.keyPageOffset + 50] ^= 4))).mount).toBe('AccessDenied');
  });
  it('a flipped salt: .System mounts; the secret bases do not open (AccessDenied: their keys derive from it)', () => {
    const r = examine(damage((img) => (img[layout.keyPageOffset + 2000] ^= 1)));
    expect(r.mount).toBe('ok');
    expect([...r.bases.values()]).toEqual(['AccessDenied', 'AccessDenied']);
    expectOnly(r, []);
  });
});

describe('page table and MBBB', () => {
  const ENTRIES = PAGE_SIZE / 16;
  const ptSector0 = layout.ptOffset / PAGE_SIZE;
  const mbbbSector0 = layout.mbbbOffset / PAGE_SIZE;
  /** Entries (by physical page) whose bytes differ between two images. */
  const changedEntries = (a: Uint8Array, b: Uint8Array) => {
    const out = new Set<number>();
    for (let phys = 0; phys < layout.ptPages * ENTRIES; phys++) {
      const at = layout.ptOffset + phys * 16;
      if (!Buffer.from(a.subarray(at, at + 16)).equals(Buffer.from(b.subarray(at, at + 16)))) out.add(phys);
    }
    return out;
  };

  it('the built image is in the steady state: the table whole on flash, the MBBB blank', () => {
    expect(image.subarray(layout.mbbbOffset, layout.fscbOffset).every((b) => b === 0xff)).toBe(true);
    for (let p = 0; p < layout.ptPages; p++) {
      expect(
        image.subarray(layout.ptOffset + p * PAGE_SIZE, layout.ptOffset + p * PAGE_SIZE + 16).every((b) => b === 0xff),
      ).toBe(false);
    }
  });

  for (const [what, fn] of [
    [
      'random bytes',
      (img: Uint8Array, s: number) => img.set(randomBytes(new SeededRandom(`pt${s}`), PAGE_SIZE), s * PAGE_SIZE),
    ],
    ['zeroed', (img: Uint8Array, s: number) => fillSector(img, s, 0)],
    ['erased', (img: Uint8Array, s: number) => fillSector(img, s, 0xff)],
    ['bit flips', (img: Uint8Array, s: number) => flipBits(img, s, 5, `ptf${s}`)],
  ] as const) {
    it(`a table page ${what}: mount works (BadImage if .System's root was there); what it did not map is intact`, () => {
      for (let p = 0; p < layout.ptPages; p++) {
        const damaged = damage((img) => fn(img, ptSector0 + p));
        const lost = changedEntries(image, damaged);
        const r = examine(damaged);
        const { keys, bases } = affectedBy((phys) => lost.has(phys));
        if (bases.has('.System')) {
          expect(r.mount).toBe('BadImage');
          continue;
        }
        okReport(r, bases);
        expectOnly(r, keys);
      }
    });
  }

  it('MBBB slots zeroed, erased or random (the MBBB is blank between updates): nothing changes', () => {
    for (const byte of [0x00, 0xff, -1]) {
      for (const slots of [[0], [3, 7], [...Array(MBBB_PAGES).keys()]]) {
        const r = examine(
          damage((img) => {
            for (const s of slots) {
              if (byte >= 0) fillSector(img, mbbbSector0 + s, byte);
              else img.set(randomBytes(new SeededRandom(`mbbb${s}`), PAGE_SIZE), (mbbbSector0 + s) * PAGE_SIZE);
            }
          }),
        );
        okReport(r);
        expectOnly(r, []);
      }
    }
  });

  it('an update cut with the table page erased: read from the shadow, even with one copy of it damaged', () => {
    for (let p = 0; p < layout.ptPages; p++) {
      const page = image.slice(layout.ptOffset + p * PAGE_SIZE, layout.ptOffset + (p + 1) * PAGE_SIZE);
      const cut = (extra: (img: Uint8Array) => void) =>
        damage((img) => {
          img.set(page, (mbbbSector0 + 2) * PAGE_SIZE);
          img.set(page, (mbbbSector0 + 6) * PAGE_SIZE);
          fillSector(img, ptSector0 + p, 0xff);
          extra(img);
        });
      const lostPage = affectedBy((phys) => Math.floor(phys / ENTRIES) === p);
      const cases: [string, Uint8Array, boolean][] = [
        ['as cut', cut(() => {}), true],
        ['one copy zeroed', cut((img) => fillSector(img, mbbbSector0 + 2, 0)), true],
        ['one copy erased', cut((img) => fillSector(img, mbbbSector0 + 6, 0xff)), true],
        [
          'debris in a third slot',
          cut((img) => img.set(randomBytes(new SeededRandom('debris'), PAGE_SIZE), (mbbbSector0 + 9) * PAGE_SIZE)),
          true,
        ],
        ['both copies zeroed', cut((img) => [2, 6].forEach((s) => fillSector(img, mbbbSector0 + s, 0))), false],
      ];
      for (const [name, damaged, recovers] of cases) {
        const r = examine(damaged);
        if (!recovers && lostPage.bases.has('.System')) {
          expect(r.mount, name).toBe('BadImage');
          continue;
        }
        okReport(r, recovers ? [] : lostPage.bases);
        expectOnly(r, recovers ? [] : lostPage.keys);
      }
    }
  });
});

describe('FSCB', () => {
  const kind = (i: number) => {
    const page = image.subarray(layout.fscbOffset + i * PAGE_SIZE, layout.fscbOffset + (i + 1) * PAGE_SIZE);
    return page.every((b) => b === 0xff) ? 'blank' : page.subarray(0, 16).every((b) => b === 0xff) ? 'log' : 'master';
  };
  const blankPages = [...Array(FSCB_PAGES).keys()].filter((i) => kind(i) === 'blank');
  const masterPages = [...Array(FSCB_PAGES).keys()].filter((i) => kind(i) === 'master');

  it('the built image has a master record and nothing else (FastSpace keeps no log: see fastspace.ts)', () => {
    expect(masterPages.length).toBe(2);
    expect(blankPages.length).toBe(FSCB_PAGES - 2);
  });

  for (const [what, byte] of [
    ['zeroed', 0x00],
    ['erased', 0xff],
    ['random', -1],
  ] as const) {
    it(`FSCB pages ${what}: mounts, every key reads, open bases are never overwritten`, () => {
      for (const pages of [[masterPages[0]], [masterPages[1]], [blankPages[0]], [...Array(FSCB_PAGES).keys()]]) {
        const r = examine(
          damage((img) => {
            for (const p of pages) {
              const sector = layout.fscbOffset / PAGE_SIZE + p;
              if (byte >= 0) fillSector(img, sector, byte);
              else img.set(randomBytes(new SeededRandom(`fscb${p}`), PAGE_SIZE), sector * PAGE_SIZE);
            }
          }),
        );
        okReport(r);
        for (const [path, outcome] of r.keys) expect(outcome, path).toBe('ok');
        expect(r.stable).toBe(true);
        // The master lists only free pages, so no damage can make it offer a live one: a zeroed page is detected
        // (never written by the engine) and the whole cache distrusted; a lost master leaves an empty cache.
        expect(r.offersLive, `${what} ${pages}`).toEqual([]);
      }
    });
  }
});
