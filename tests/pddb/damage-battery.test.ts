// The damaged-image battery: one image with small and large keys in .System and a secret basis, damaged in every
// region (page-table entries of used and free pages, key page, MBBB, FSCB, used and free data pages, keybox words,
// truncation, extension). Every outcome must be a typed error or correct data: never a wrong value, never a listing
// that silently drops a key, never a crash, and nothing that read correctly may be lost by using the damaged device
// (a write and a sync, then a remount). Damage to space nothing uses (free pages and their entries, a blank MBBB or
// FSCB page, unused keybox words) must cost nothing at all.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SeededRandom, randomBytes } from '../../lib/random.ts';
import { PddbEngine } from '../../pddb/engine/engine.ts';
import { PddbError } from '../../pddb/errors.ts';
import { FlashError } from '../../pddb/flash/errors.ts';
import { FileFlash } from '../../pddb/flash/file.ts';
import type { Flash } from '../../pddb/flash/flash.ts';
import { MemoryFlash } from '../../pddb/flash/memory.ts';
import { PAGE_SIZE, PTE_SIZE, TEST_PDDB_LEN } from '../../pddb/format/constants.ts';
import { computeLayout } from '../../pddb/format/layout.ts';
import { ROOT_VPAGE } from '../../pddb/format/rootpage.ts';
import { mapImage } from '../../scripts/lib/image-map.ts';

const PIN = '5791';
const SECRET = 'hidden';
const PASSWORD = 'battery horse';
const layout = computeLayout(TEST_PDDB_LEN);
const SLOW = { timeout: 120_000 };

// ---------------------------------------------------------------- the image every case damages

const values = new Map<string, Uint8Array>(); // "basis/dict/key" -> value
const { image, keybox } = (() => {
  const flash = new MemoryFlash(TEST_PDDB_LEN);
  const kb = PddbEngine.format(flash, { pin: PIN, random: new SeededRandom('battery-format') });
  const e = PddbEngine.mount(flash, kb, PIN, { random: new SeededRandom('battery-mount') });
  e.createBasis(SECRET, PASSWORD);
  e.unlockBasis(SECRET, PASSWORD);
  const rng = new SeededRandom('battery-values');
  const put = (basis: string, dict: string, key: string, n: number) => {
    const v = randomBytes(rng, n);
    e.write(e.get(dict, key, { basis, createDict: true, createKey: true }), 0, v);
    values.set(`${basis}/${dict}/${key}`, v);
  };
  put('.System', 'sys', 'small', 8);
  put('.System', 'sys', 'big', 50_000);
  put('.System', 'sys', 'edge', 4064);
  put('.System', 'prefs', 'p', 300);
  put(SECRET, 'vault', 'pw', 100);
  put(SECRET, 'vault', 'blob', 9000);
  e.sync();
  e.sync(); // the scrub of superseded small-key ranges
  e.lockBasis(SECRET);
  return { image: flash.snapshot(), keybox: kb };
})();

const map = (() => {
  const flash = MemoryFlash.from(image);
  const e = PddbEngine.mount(flash, keybox, PIN, { random: new SeededRandom('battery-map') });
  e.unlockBasis(SECRET, PASSWORD);
  return mapImage(e, flash, layout, values);
})();
const pageOf = (path: string, i = 0) => {
  const pages = map.valuePages.get(path);
  if (!pages || pages.length <= i) throw new Error(`test setup: no page ${i} found for ${path}`);
  return pages[i];
};
const rootOf = (basis: string) => [...map.pages.get(basis)!].find(([, v]) => v === ROOT_VPAGE)![0];
/** A descriptor page: mapped, not the root, holding no value. */
const descriptorOf = (basis: string) => {
  const holding = new Set([...map.valuePages.values()].flat());
  return [...map.pages.get(basis)!].find(([p, v]) => v !== ROOT_VPAGE && !holding.has(p))![0];
};
const pteAt = (phys: number) => layout.ptOffset + phys * PTE_SIZE;
const dataAt = (phys: number) => layout.dataOffset + phys * PAGE_SIZE;
/** The first FSCB page holding something (the FastSpace master record), and the first blank one. */
const fscbPage = (blank: boolean) => {
  for (let i = 0; i < 16; i++) {
    const at = layout.fscbOffset + i * PAGE_SIZE;
    if (image.subarray(at, at + PAGE_SIZE).every((b) => b === 0xff) === blank) return at;
  }
  throw new Error(`test setup: no ${blank ? 'blank' : 'used'} FSCB page`);
};

// ---------------------------------------------------------------- judging what a damaged image gives

function isTyped(e: unknown): boolean {
  return e instanceof PddbError || e instanceof FlashError;
}

type Attempt<T> = { ok: true; value: T } | { ok: false; problem?: string; code: string };

/** Run `fn`: its value, or the code of the typed error it threw, or (anything else thrown) a problem. */
function attempt<T>(what: string, fn: () => T): Attempt<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (isTyped(e)) return { ok: false, code: (e as PddbError).code };
    return {
      ok: false,
      code: 'crash',
      problem: `${what} crashed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
    };
  }
}

/** Read every known value and listing; returns the paths that read correctly and the problems seen. */
function readBack(e: PddbEngine, strict: boolean, label: string): { good: Set<string>; problems: string[] } {
  const problems: string[] = [];
  const good = new Set<string>();
  const bases = new Set<string>(['.System']);
  const unlocked = attempt('unlock', () => e.unlockBasis(SECRET, PASSWORD));
  if (unlocked.ok) bases.add(SECRET);
  else if (unlocked.problem) problems.push(`${label}: ${unlocked.problem}`);
  else if (strict) problems.push(`${label}: ${SECRET} does not unlock (${unlocked.code})`);
  const dicts = new Map<string, Set<string>>(); // "basis/dict" -> keys
  for (const path of values.keys()) {
    const [basis, dict, key] = path.split('/');
    dicts.set(`${basis}/${dict}`, (dicts.get(`${basis}/${dict}`) ?? new Set()).add(key));
    if (!bases.has(basis)) continue;
    const got = attempt(`read ${path}`, () => e.readAll(e.get(dict, key, { basis })));
    if (got.ok) {
      if (Buffer.from(got.value).equals(Buffer.from(values.get(path)!))) good.add(path);
      else
        problems.push(
          `${label}: ${path} reads a WRONG value (${got.value.length} bytes, want ${values.get(path)!.length}) with success`,
        );
    } else if (got.problem) problems.push(`${label}: ${got.problem}`);
    else if (strict) problems.push(`${label}: ${path} fails (${got.code}) though nothing it uses was damaged`);
  }
  for (const [where, keys] of dicts) {
    const [basis, dict] = where.split('/');
    if (!bases.has(basis)) continue;
    const listed = attempt(`list ${where}`, () => e.listKeys(dict, basis));
    if (listed.ok) {
      const want = [...keys].sort().join(',');
      const seen = [...listed.value].sort().join(',');
      if (seen !== want)
        problems.push(`${label}: keylist ${where} is [${seen}] with success, the dict holds [${want}]`);
    } else if (listed.problem) problems.push(`${label}: ${listed.problem}`);
    else if (strict)
      problems.push(`${label}: keylist ${where} fails (${listed.code}) though nothing it uses was damaged`);
  }
  return { good, problems };
}

/**
 * Mount what `open` gives, read everything, then use it (a new key in each open basis, a sync) and remount: what
 * read correctly must still. `strict`: the damage hit nothing in use, so everything must read correctly.
 */
function judge(open: () => Flash, kb: Uint8Array, strict: boolean): string[] {
  const flash = attempt('open', open);
  if (!flash.ok) return flash.problem ? [flash.problem] : strict ? [`the image does not open (${flash.code})`] : [];
  const mounted = attempt('mount', () =>
    PddbEngine.mount(flash.value, kb, PIN, { random: new SeededRandom('battery-judge') }),
  );
  if (!mounted.ok)
    return mounted.problem ? [mounted.problem] : strict ? [`the image does not mount (${mounted.code})`] : [];
  const first = readBack(mounted.value, strict, 'first mount');
  const used = attempt('write and sync', () => {
    for (const basis of mounted.value.listBasis()) {
      mounted.value.write(
        mounted.value.get('after.damage', 'k', { basis, createDict: true, createKey: true }),
        0,
        new Uint8Array(700).fill(7),
      );
    }
    mounted.value.sync();
  });
  if (!used.ok)
    return [
      ...first.problems,
      ...(used.problem ? [used.problem] : strict ? [`a write and sync fail (${used.code})`] : []),
    ];
  const copy = MemoryFlash.from(flash.value.read(0, flash.value.size));
  const again = attempt('remount', () =>
    PddbEngine.mount(copy, kb, PIN, { random: new SeededRandom('battery-again') }),
  );
  if (!again.ok)
    return [...first.problems, `after a write and sync the image no longer mounts (${again.problem ?? again.code})`];
  const second = readBack(again.value, strict, 'after a write, sync and remount');
  const lost = [...first.good]
    .filter((p) => !second.good.has(p))
    .map((p) => `${p} read correctly, then was lost by a write and sync`);
  return [...first.problems, ...second.problems, ...lost];
}

const flipped = (edit: (img: Uint8Array) => void): (() => Flash) => {
  const img = image.slice();
  edit(img);
  return () => MemoryFlash.from(img);
};
const flipAt = (at: number, mask = 0x01) => flipped((img) => (img[at] ^= mask));
const pristine = () => MemoryFlash.from(image);

// ---------------------------------------------------------------- the cases

describe('damaged-image battery: typed error or correct data, never wrong data with success', () => {
  it('the undamaged image reads back whole (the battery can tell right from wrong)', () => {
    expect(judge(pristine, keybox, true)).toEqual([]);
    expect(map.valuePages.get('.System/sys/big')!.length).toBeGreaterThanOrEqual(13);
    expect(map.free.length).toBeGreaterThan(100);
  });

  const cases: [string, () => () => Flash, boolean][] = [
    // Page-table entries (one byte flipped in the 16-byte AES-ECB block: the whole entry decrypts to noise).
    ['page-table entry of the page holding a small key', () => flipAt(pteAt(pageOf('.System/sys/small')) + 3), false],
    ['page-table entry of a middle page of a 50 KB key', () => flipAt(pteAt(pageOf('.System/sys/big', 5)) + 9), false],
    ['page-table entry of the page of a 4,064-byte key', () => flipAt(pteAt(pageOf('.System/sys/edge')) + 0), false],
    [
      'page-table entry of a secret basis page (small key)',
      () => flipAt(pteAt(pageOf(`${SECRET}/vault/pw`)) + 15),
      false,
    ],
    [
      'page-table entry of a secret basis page (large key)',
      () => flipAt(pteAt(pageOf(`${SECRET}/vault/blob`, 1)) + 7),
      false,
    ],
    ['page-table entry of a descriptor page', () => flipAt(pteAt(descriptorOf('.System')) + 2), false],
    ['page-table entry of the secret basis root', () => flipAt(pteAt(rootOf(SECRET)) + 4), false],
    ['page-table entry of a free page', () => flipAt(pteAt(map.free[Math.floor(map.free.length / 2)]) + 6), true],
    ['page-table entries beyond the data pages', () => flipAt(pteAt(layout.dataPages + 1) + 1), true],
    // Key page.
    ['key page: version', () => flipAt(layout.keyPageOffset + 1, 0x04), false],
    ['key page: wrapped .System key', () => flipAt(layout.keyPageOffset + 20), false],
    ['key page: salt base', () => flipAt(layout.keyPageOffset + 1000), false],
    // MBBB and FSCB: blank between updates; the FSCB also holds the FastSpace master record and log.
    ['MBBB: one bit in a blank page', () => flipAt(layout.mbbbOffset + 3 * PAGE_SIZE + 100), true],
    [
      'MBBB: a page of junk',
      () => flipped((img) => img.set(randomBytes(new SeededRandom('junk'), PAGE_SIZE), layout.mbbbOffset)),
      true,
    ],
    ['FSCB: the FastSpace master record', () => flipAt(fscbPage(false) + 200), false],
    ['FSCB: one bit in a blank page', () => flipAt(fscbPage(true) + 64), true],
    // Data pages.
    ['data page holding a small key', () => flipAt(dataAt(pageOf('.System/sys/small')) + 2000), false],
    ['data page of a large key', () => flipAt(dataAt(pageOf('.System/sys/big', 3)) + 40), false],
    ['data page of a secret basis key', () => flipAt(dataAt(pageOf(`${SECRET}/vault/blob`)) + 4090), false],
    ['a descriptor page', () => flipAt(dataAt(descriptorOf(SECRET)) + 300), false],
    ['the secret basis root page', () => flipAt(dataAt(rootOf(SECRET)) + 50), false],
    ['a free data page', () => flipAt(dataAt(map.free[3]) + 1234), true],
  ];
  for (const [name, damage, strict] of cases) {
    it(`${name}${strict ? ' (unused: costs nothing)' : ''}`, SLOW, () => {
      expect(judge(damage(), keybox, strict)).toEqual([]);
    });
  }

  // Keybox words (Xous keyrom layout, 32-bit words): User0 key 40..47, pepper 248..251, rollback 254, CONFIG 255.
  for (const [word, what, strict] of [
    [40, 'encrypted User0 key', false],
    [249, 'pepper', false],
    [254, 'rollback counter', false],
    [255, 'CONFIG', false],
    [100, 'an unused word', true],
  ] as const) {
    it(`keybox word ${word} (${what})${strict ? ' (unused: costs nothing)' : ''}`, SLOW, () => {
      const kb = keybox.slice();
      kb[word * 4 + 1] ^= 0x10;
      expect(judge(pristine, kb, strict)).toEqual([]);
    });
  }
});

describe('damaged-image battery: truncated and extended image files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pddb-battery-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, size: number) => {
    const path = join(dir, name);
    writeFileSync(path, image);
    if (size < image.length) truncateSync(path, size);
    else writeFileSync(path, new Uint8Array(size - image.length).fill(0xff), { flag: 'a' });
    return () => FileFlash.open(path);
  };
  for (const [name, size] of [
    ['one byte short', TEST_PDDB_LEN - 1],
    ['one page short', TEST_PDDB_LEN - PAGE_SIZE],
    ['half', TEST_PDDB_LEN / 2],
    ['one byte longer', TEST_PDDB_LEN + 1],
    ['one page longer', TEST_PDDB_LEN + PAGE_SIZE],
    ['empty', 0],
  ] as const) {
    it(name, SLOW, () => {
      expect(judge(file(name.replaceAll(' ', '-'), size), keybox, false)).toEqual([]);
    });
  }
});
