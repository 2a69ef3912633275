import { expect } from 'vitest';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { PddbEngine, type KeyHandle } from '../../../pddb/engine/engine.ts';
import { PddbError, type PddbCode } from '../../../pddb/errors.ts';
import { SeededRandom } from '../../../lib/random.ts';
import { TEST_PDDB_LEN } from '../../../pddb/format/constants.ts';

export const PIN = '1234';

/** A freshly formatted 4 MiB image in memory, its keybox, and a mounted engine. */
export function freshDevice(seed = 'device', size = TEST_PDDB_LEN) {
  // Formatting fills the data region with noise (the slow part); the result depends only on seed and size, so
  // each image is formatted once per test file and copied.
  const id = `${seed}/${size}`;
  let image = formatted.get(id);
  if (!image) {
    const f = new MemoryFlash(size);
    const keybox = PddbEngine.format(f, { pin: PIN, random: new SeededRandom(seed) });
    formatted.set(id, (image = { bytes: f.snapshot(), keybox }));
  }
  const flash = MemoryFlash.from(image.bytes);
  const keybox = image.keybox.slice();
  const engine = PddbEngine.mount(flash, keybox, PIN, { random: new SeededRandom(`${seed}-mount`) });
  return { flash, keybox, engine };
}
const formatted = new Map<string, { bytes: Uint8Array; keybox: Uint8Array }>();

/** Power-cycle: close (sync) and mount again from the same flash bytes. */
export function remount(flash: MemoryFlash, keybox: Uint8Array, seed = 'remount') {
  return reboot(flash, keybox, seed).engine;
}

/** Like remount(), and also returns the new flash (to remount again later). */
export function reboot(flash: MemoryFlash, keybox: Uint8Array, seed = 'remount') {
  const copy = MemoryFlash.from(flash.snapshot());
  return { flash: copy, engine: PddbEngine.mount(copy, keybox, PIN, { random: new SeededRandom(seed) }) };
}

export const utf8 = (s: string) => new TextEncoder().encode(s);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);

// ---- shared by the semantics suites ----

/** Run `fn`, expect a PddbError with `code`; returns it (for message checks). */
export function expectCode(fn: () => unknown, code: PddbCode): PddbError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected PddbError ${code}, nothing was thrown`).toBeDefined();
  expect(thrown, `expected PddbError ${code}, got ${String(thrown)}`).toBeInstanceOf(PddbError);
  expect((thrown as PddbError).code).toBe(code);
  return thrown as PddbError;
}

/** Create (or find) a key and set its whole value. */
export function put(
  engine: PddbEngine,
  dict: string,
  key: string,
  value: Uint8Array | string,
  basis?: string,
): KeyHandle {
  const h = engine.get(dict, key, { basis, createDict: true, createKey: true });
  const bytes = typeof value === 'string' ? utf8(value) : value;
  engine.truncate(h, 0);
  engine.write(h, 0, bytes);
  return h;
}

/** The value of a key as a string, reading through the stack (or one basis). */
export function getText(engine: PddbEngine, dict: string, key: string, basis?: string): string {
  return text(engine.readAll(engine.get(dict, key, { basis })));
}

/** Deterministic bytes. */
export function bytesOf(rng: SeededRandom, n: number): Uint8Array {
  return rng.fill(new Uint8Array(n));
}

/**
 * What the stack should hold, basis by basis: a model to compare the engine with after every phase.
 * Values are copies, so later writes to the engine cannot change the model.
 */
export class Model {
  readonly bases = new Map<string, Map<string, Map<string, Uint8Array>>>();

  basis(name: string): Map<string, Map<string, Uint8Array>> {
    let b = this.bases.get(name);
    if (!b) this.bases.set(name, (b = new Map()));
    return b;
  }

  set(basis: string, dict: string, key: string, value: Uint8Array): void {
    const b = this.basis(basis);
    let d = b.get(dict);
    if (!d) b.set(dict, (d = new Map()));
    d.set(key, value.slice());
  }

  get(basis: string, dict: string, key: string): Uint8Array | undefined {
    return this.bases.get(basis)?.get(dict)?.get(key);
  }

  ensureDict(basis: string, dict: string): void {
    const b = this.basis(basis);
    if (!b.has(dict)) b.set(dict, new Map());
  }

  deleteKey(basis: string, dict: string, key: string): void {
    this.bases.get(basis)?.get(dict)?.delete(key);
  }

  deleteDict(basis: string, dict: string): void {
    this.bases.get(basis)?.delete(dict);
  }

  /** Every open basis of `engine` holds exactly what the model says; the union listings agree as well. */
  check(engine: PddbEngine): void {
    const open = engine.listBasis();
    for (const basis of open) {
      const b = this.bases.get(basis) ?? new Map<string, Map<string, Uint8Array>>();
      expect(engine.listDicts(basis), `dicts of ${basis}`).toEqual([...b.keys()].sort());
      for (const [dict, keys] of b) {
        expect(engine.listKeys(dict, basis), `keys of ${basis}:${dict}`).toEqual([...keys.keys()].sort());
        for (const [key, value] of keys) {
          const h = engine.get(dict, key, { basis });
          const got = engine.readAll(h);
          expect(got.length, `length of ${basis}:${dict}:${key}`).toBe(value.length);
          expect(Buffer.from(got).equals(Buffer.from(value)), `value of ${basis}:${dict}:${key}`).toBe(true);
          expect(engine.attributes(h).len).toBe(value.length);
        }
      }
    }
    // Union: listings dedup and sort; an unqualified read returns the newest basis holding the key.
    const unionDicts = new Set<string>();
    for (const basis of open) for (const d of this.bases.get(basis)?.keys() ?? []) unionDicts.add(d);
    expect(engine.listDicts()).toEqual([...unionDicts].sort());
    for (const dict of unionDicts) {
      const unionKeys = new Map<string, string>();
      for (const basis of open) for (const k of this.bases.get(basis)?.get(dict)?.keys() ?? []) unionKeys.set(k, basis);
      expect(engine.listKeys(dict)).toEqual([...unionKeys.keys()].sort());
      for (const [key, newest] of unionKeys)
        expect(engine.get(dict, key).basis, `newest holder of ${dict}:${key}`).toBe(newest);
    }
  }
}

/** Byte equality without vitest's slow element-by-element diff of large typed arrays. */
export function expectBytes(got: Uint8Array, want: Uint8Array, what = 'bytes'): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  expect(
    Buffer.from(got.buffer, got.byteOffset, got.length).equals(Buffer.from(want.buffer, want.byteOffset, want.length)),
    `${what}: content`,
  ).toBe(true);
}
