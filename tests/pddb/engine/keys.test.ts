// Key semantics: reads and writes at offsets, sparse writes, growth from small to large, truncation, deletes,
// attributes, bulk reads and alloc hints. Every expectation is checked in the session, after sync, after lock +
// re-unlock (secret basis), and after a remount, in .System and in a secret basis (other keys, other AAD).
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../lib/random.ts';
import { VPAGE_SIZE } from '../../../pddb/format/constants.ts';
import type { PddbEngine } from '../../../pddb/engine/engine.ts';
import { bytesOf, expectCode, freshDevice, reboot, remount, text, utf8 } from './helpers.ts';

const SECRET = 'secret';
const PW = 'key tests';

function device(basis: string, seed: string) {
  const d = freshDevice(seed);
  if (basis !== '.System') {
    d.engine.createBasis(SECRET, PW);
    d.engine.unlockBasis(SECRET, PW);
  }
  return { ...d, basis };
}

type Ctx = ReturnType<typeof device>;

/** Run `check` now, after sync, after lock + re-unlock (secret basis only) and after a remount. */
function everywhere(ctx: Ctx, check: (engine: PddbEngine) => void): void {
  check(ctx.engine);
  ctx.engine.sync();
  check(ctx.engine);
  if (ctx.basis !== '.System') {
    ctx.engine.lockBasis(ctx.basis);
    ctx.engine.unlockBasis(ctx.basis, PW);
    check(ctx.engine);
  }
  const e2 = remount(ctx.flash, ctx.keybox);
  if (ctx.basis !== '.System') e2.unlockBasis(ctx.basis, PW);
  check(e2);
}

const value = (engine: PddbEngine, dict: string, key: string) => engine.readAll(engine.get(dict, key));
const eq = (a: Uint8Array, b: Uint8Array) =>
  expect(Buffer.from(a).equals(Buffer.from(b)), `${a.length} vs ${b.length} bytes`).toBe(true);

/** A value with a recognisable pattern (so shifted or misplaced bytes are caught). */
function pattern(n: number, salt = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + salt + (i >> 8)) & 0xff;
  return out;
}

/** Apply a write to a model value the way the engine must: extend with zeros, then overwrite. */
function modelWrite(model: Uint8Array, offset: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.max(model.length, offset + data.length));
  out.set(model);
  out.set(data, offset);
  return out;
}

describe.each(['.System', SECRET])('keys in %s', (basis) => {
  const seed = `keys-${basis}`;

  it('write and read at offsets; reads past the end return what exists', () => {
    const ctx = device(basis, seed);
    const h = ctx.engine.get('d', 'k', { createDict: true, createKey: true });
    ctx.engine.write(h, 0, utf8('hello world'));
    everywhere(ctx, (e) => {
      const k = e.get('d', 'k');
      expect(text(e.read(k, 6, 5))).toBe('world');
      expect(text(e.read(k, 0, 5))).toBe('hello');
      expect(text(e.read(k, 3, 1000))).toBe('lo world');
      expect(e.read(k, 11, 5).length).toBe(0);
      expect(e.read(k, 1_000_000, 5).length).toBe(0);
      expect(e.read(k, 0, 0).length).toBe(0);
      expect(text(e.readAll(k))).toBe('hello world');
    });
  });

  it('patch at an offset inside a small and a large value (across a page boundary)', () => {
    const ctx = device(basis, seed);
    let small = pattern(1000, 1);
    let large = pattern(3 * VPAGE_SIZE + 100, 2);
    const hs = ctx.engine.get('d', 'small', { createDict: true, createKey: true });
    const hl = ctx.engine.get('d', 'large', { createDict: true, createKey: true });
    ctx.engine.write(hs, 0, small);
    ctx.engine.write(hl, 0, large);
    ctx.engine.sync();
    const patch = utf8('patched!');
    ctx.engine.write(hs, 500, patch);
    small = modelWrite(small, 500, patch);
    ctx.engine.write(hl, VPAGE_SIZE - 3, patch); // straddles pages 0 and 1
    large = modelWrite(large, VPAGE_SIZE - 3, patch);
    ctx.engine.write(hl, 2 * VPAGE_SIZE, patch); // starts a page
    large = modelWrite(large, 2 * VPAGE_SIZE, patch);
    everywhere(ctx, (e) => {
      eq(value(e, 'd', 'small'), small);
      eq(value(e, 'd', 'large'), large);
      expect(text(e.read(e.get('d', 'large'), VPAGE_SIZE - 3, 8))).toBe('patched!');
    });
  });

  it('sparse writes: the gap reads as zeros (small and large keys)', () => {
    const ctx = device(basis, seed);
    const hs = ctx.engine.get('d', 'small', { createDict: true, createKey: true });
    ctx.engine.write(hs, 10, utf8('abc'));
    const hl = ctx.engine.get('d', 'large', { createDict: true, createKey: true });
    ctx.engine.write(hl, 0, utf8('head'));
    const far = 3 * VPAGE_SIZE + 5;
    ctx.engine.write(hl, far, utf8('tail'));
    everywhere(ctx, (e) => {
      const s = value(e, 'd', 'small');
      expect(s.length).toBe(13);
      expect([...s.subarray(0, 10)].every((b) => b === 0)).toBe(true);
      expect(text(s.subarray(10))).toBe('abc');
      const l = value(e, 'd', 'large');
      expect(l.length).toBe(far + 4);
      expect(text(l.subarray(0, 4))).toBe('head');
      expect([...l.subarray(4, far)].every((b) => b === 0)).toBe(true);
      expect(text(l.subarray(far))).toBe('tail');
    });
  });

  it('grows from small to large in steps, content preserved at every step', () => {
    const ctx = device(basis, seed);
    const rng = new SeededRandom(`${seed}-grow`);
    const h = ctx.engine.get('d', 'grow', { createDict: true, createKey: true });
    let model: Uint8Array = new Uint8Array(0);
    for (const step of [100, 1000, 2900, 63, 1, 3000, 5000, 4064]) {
      const chunk = bytesOf(rng, step);
      ctx.engine.write(h, model.length, chunk);
      model = modelWrite(model, model.length, chunk);
      eq(ctx.engine.readAll(h), model);
      const a = ctx.engine.attributes(h);
      expect(a.len).toBe(model.length);
      expect(a.reserved).toBeGreaterThanOrEqual(a.len);
      if (model.length % 3 === 0) ctx.engine.sync(); // some steps cross a sync, some do not
    }
    expect(model.length).toBeGreaterThan(3 * VPAGE_SIZE);
    everywhere(ctx, (e) => eq(value(e, 'd', 'grow'), model));
  });

  it('values of exactly 4063, 4064, 4065 bytes and of 3 pages (and 3 pages + 1)', () => {
    const ctx = device(basis, seed);
    const sizes = [VPAGE_SIZE - 1, VPAGE_SIZE, VPAGE_SIZE + 1, 3 * VPAGE_SIZE, 3 * VPAGE_SIZE + 1, 1, 0];
    const values = sizes.map((n, i) => pattern(n, i));
    sizes.forEach((n, i) =>
      ctx.engine.write(ctx.engine.get('sizes', `v${n}`, { createDict: true, createKey: true }), 0, values[i]),
    );
    everywhere(ctx, (e) => {
      sizes.forEach((n, i) => {
        const h = e.get('sizes', `v${n}`);
        expect(e.attributes(h).len).toBe(n);
        eq(e.readAll(h), values[i]);
        // the last byte, read alone
        if (n > 0) expect(e.read(h, n - 1, 10)[0]).toBe(values[i][n - 1]);
      });
    });
  });

  it('truncate a small value, then extend it: the cut bytes do not come back', () => {
    const ctx = device(basis, seed);
    const h = ctx.engine.get('d', 'k', { createDict: true, createKey: true });
    ctx.engine.write(h, 0, pattern(100, 9));
    ctx.engine.sync();
    ctx.engine.truncate(h, 40);
    expect(ctx.engine.attributes(h).len).toBe(40);
    eq(ctx.engine.readAll(h), pattern(100, 9).subarray(0, 40));
    ctx.engine.write(h, 60, utf8('end')); // bytes 40..60 must be zeros, not the old 40..60
    const model = modelWrite(pattern(100, 9).subarray(0, 40), 60, utf8('end'));
    ctx.engine.truncate(ctx.engine.get('d', 'k'), 1000); // longer than the value: nothing happens
    everywhere(ctx, (e) => eq(value(e, 'd', 'k'), model));
  });

  it('truncate a large value: mid-page, to a page boundary, to zero, and extend again', () => {
    const ctx = device(basis, seed);
    const full = pattern(5 * VPAGE_SIZE + 10, 3);
    const h = ctx.engine.get('d', 'k', { createDict: true, createKey: true });
    ctx.engine.write(h, 0, full);
    ctx.engine.sync();
    ctx.engine.truncate(h, 2 * VPAGE_SIZE + 7);
    eq(ctx.engine.readAll(h), full.subarray(0, 2 * VPAGE_SIZE + 7));
    ctx.engine.sync();
    ctx.engine.truncate(h, VPAGE_SIZE);
    ctx.engine.write(h, 2 * VPAGE_SIZE, utf8('x')); // the old page-1 and page-2 bytes must read as zeros
    const model = modelWrite(full.subarray(0, VPAGE_SIZE), 2 * VPAGE_SIZE, utf8('x'));
    const h0 = ctx.engine.get('d', 'zero', { createDict: true, createKey: true });
    ctx.engine.write(h0, 0, pattern(2 * VPAGE_SIZE, 4));
    ctx.engine.sync();
    ctx.engine.truncate(h0, 0);
    ctx.engine.sync();
    ctx.engine.write(h0, 5, utf8('again'));
    everywhere(ctx, (e) => {
      eq(value(e, 'd', 'k'), model);
      const z = value(e, 'd', 'zero');
      expect(z.length).toBe(10);
      expect([...z.subarray(0, 5)]).toEqual([0, 0, 0, 0, 0]);
      expect(text(z.subarray(5))).toBe('again');
    });
  });

  it('truncating a large value gives its pages back', () => {
    const ctx = device(basis, seed);
    const h = ctx.engine.get('d', 'k', { createDict: true, createKey: true });
    ctx.engine.write(h, 0, pattern(20 * VPAGE_SIZE));
    ctx.engine.sync();
    const before = ctx.engine.freeSpace;
    ctx.engine.truncate(h, 10);
    ctx.engine.sync();
    expect(ctx.engine.freeSpace).toBeGreaterThanOrEqual(before + 15);
  });

  it('delete a key then recreate it: the new key is empty, the old bytes are gone', () => {
    const ctx = device(basis, seed);
    const old = ctx.engine.get('d', 'k', { createDict: true, createKey: true });
    ctx.engine.write(old, 0, utf8('old small value'));
    const oldLarge = ctx.engine.get('d', 'big', { createDict: true, createKey: true });
    ctx.engine.write(oldLarge, 0, pattern(2 * VPAGE_SIZE + 5));
    ctx.engine.sync();
    ctx.engine.deleteKey('d', 'k', basis);
    ctx.engine.deleteKey('d', 'big', basis);
    expectCode(() => ctx.engine.readAll(old), 'NotFound');
    expectCode(() => ctx.engine.get('d', 'k'), 'NotFound');
    expect(ctx.engine.listKeys('d')).toEqual([]);
    const h = ctx.engine.get('d', 'k', { createKey: true });
    expect(ctx.engine.readAll(h).length).toBe(0);
    ctx.engine.write(h, 3, utf8('new'));
    const big = ctx.engine.get('d', 'big', { createKey: true });
    ctx.engine.write(big, VPAGE_SIZE, utf8('B')); // sparse over where the old pages were
    everywhere(ctx, (e) => {
      eq(value(e, 'd', 'k'), new Uint8Array([0, 0, 0, ...utf8('new')]));
      const b = value(e, 'd', 'big');
      expect(b.length).toBe(VPAGE_SIZE + 1);
      expect(b.subarray(0, VPAGE_SIZE).every((x) => x === 0)).toBe(true);
      expect(e.listKeys('d')).toEqual(['big', 'k']);
    });
  });

  it('delete and recreate in the same session, before any sync', () => {
    const ctx = device(basis, seed);
    const h = ctx.engine.get('d', 'k', { createDict: true, createKey: true });
    ctx.engine.write(h, 0, utf8('first'));
    ctx.engine.deleteKey('d', 'k', basis);
    const h2 = ctx.engine.get('d', 'k', { createKey: true });
    ctx.engine.write(h2, 0, utf8('second'));
    everywhere(ctx, (e) => expect(text(value(e, 'd', 'k'))).toBe('second'));
  });

  it('many keys across many pool pages and descriptor pages, in several dicts', () => {
    const ctx = device(basis, seed);
    const rng = new SeededRandom(`${seed}-many`);
    const model = new Map<string, Uint8Array>();
    for (let i = 0; i < 300; i++) {
      const dict = `dict${i % 3}`;
      const n = 50 + ((i * 37) % 400);
      const v = bytesOf(rng, n);
      ctx.engine.write(ctx.engine.get(dict, `key${i}`, { createDict: true, createKey: true }), 0, v);
      model.set(`${dict}/key${i}`, v);
      if (i % 50 === 49) ctx.engine.sync();
    }
    // delete every third, rewrite every fifth with a new length
    for (let i = 0; i < 300; i += 3) {
      ctx.engine.deleteKey(`dict${i % 3}`, `key${i}`, basis);
      model.delete(`dict${i % 3}/key${i}`);
    }
    for (let i = 1; i < 300; i += 5) {
      if (!model.has(`dict${i % 3}/key${i}`)) continue;
      const v = bytesOf(rng, 10 + ((i * 13) % 700));
      const h = ctx.engine.get(`dict${i % 3}`, `key${i}`);
      ctx.engine.truncate(h, 0);
      ctx.engine.write(h, 0, v);
      model.set(`dict${i % 3}/key${i}`, v);
    }
    everywhere(ctx, (e) => {
      expect(e.listDicts()).toEqual(['dict0', 'dict1', 'dict2']);
      let n = 0;
      for (const dict of ['dict0', 'dict1', 'dict2']) {
        const keys = e.listKeys(dict);
        n += keys.length;
        for (const k of keys) eq(value(e, dict, k), model.get(`${dict}/${k}`)!);
      }
      expect(n).toBe(model.size);
    });
  });

  it('attributes: len, reserved, age increments, index, dict and basis', () => {
    const ctx = device(basis, seed);
    const a = ctx.engine.get('d', 'a', { createDict: true, createKey: true });
    const b = ctx.engine.get('d', 'b', { createDict: true, createKey: true });
    let attr = ctx.engine.attributes(a);
    expect(attr).toMatchObject({ len: 0, dict: 'd', basis });
    expect(attr.reserved).toBeGreaterThan(0);
    const ages = [attr.age];
    for (const chunk of ['one', 'two', 'three']) {
      ctx.engine.write(a, ctx.engine.attributes(a).len, utf8(chunk));
      ages.push(ctx.engine.attributes(a).age);
    }
    ctx.engine.truncate(a, 4);
    ages.push(ctx.engine.attributes(a).age);
    for (let i = 1; i < ages.length; i++) expect(ages[i]).toBeGreaterThan(ages[i - 1]);
    attr = ctx.engine.attributes(a);
    expect(attr.len).toBe(4);
    expect(attr.reserved).toBeGreaterThanOrEqual(4);
    expect(ctx.engine.attributes(b).index).not.toBe(attr.index);
    expect(attr.index).toBeGreaterThan(0); // slot 0 is the dict header
    const finalAge = attr.age;
    const indexA = attr.index;
    const indexB = ctx.engine.attributes(b).index;
    everywhere(ctx, (e) => {
      const got = e.attributes(e.get('d', 'a'));
      expect(got).toEqual({
        len: 4,
        reserved: got.reserved,
        age: finalAge,
        dict: 'd',
        basis,
        flags: got.flags,
        index: indexA,
      });
      expect(got.flags & 1).toBe(1); // valid
      expect(e.attributes(e.get('d', 'b')).index).toBe(indexB);
    });
  });

  it('readDict: every key with its value', () => {
    const ctx = device(basis, seed);
    const vals: Record<string, Uint8Array> = { a: utf8('alpha'), b: pattern(VPAGE_SIZE + 3), c: new Uint8Array(0) };
    for (const [k, v] of Object.entries(vals))
      ctx.engine.write(ctx.engine.get('bulk', k, { createDict: true, createKey: true }), 0, v);
    everywhere(ctx, (e) => {
      const got = e.readDict('bulk', basis);
      expect(got.map((x) => x.key)).toEqual(['a', 'b', 'c']);
      for (const x of got) {
        expect(x.basis).toBe(basis);
        eq(x.value, vals[x.key]);
      }
      expect(e.readDict('bulk').map((x) => x.key)).toEqual(['a', 'b', 'c']);
    });
  });

  it('allocHint >= 4064 makes a large key directly; a small hint reserves that much in the pool', () => {
    const ctx = device(basis, seed);
    const big = ctx.engine.get('d', 'big', { createDict: true, createKey: true, allocHint: 10_000 });
    let attr = ctx.engine.attributes(big);
    expect(attr.len).toBe(0);
    expect(attr.reserved).toBeGreaterThanOrEqual(10_000);
    expect(attr.reserved % VPAGE_SIZE).toBe(0);
    ctx.engine.write(big, 0, utf8('tiny'));
    attr = ctx.engine.attributes(big);
    expect(attr.reserved).toBeGreaterThanOrEqual(10_000); // stays large
    const small = ctx.engine.get('d', 'small', { createDict: true, createKey: true, allocHint: 300 });
    expect(ctx.engine.attributes(small).reserved).toBe(300);
    ctx.engine.write(small, 0, utf8('s'));
    expect(ctx.engine.attributes(small).reserved).toBe(300);
    const exact = ctx.engine.get('d', 'exact', { createDict: true, createKey: true, allocHint: VPAGE_SIZE });
    expect(ctx.engine.attributes(exact).reserved).toBe(VPAGE_SIZE);
    everywhere(ctx, (e) => {
      expect(text(value(e, 'd', 'big'))).toBe('tiny');
      expect(e.attributes(e.get('d', 'big')).reserved).toBeGreaterThanOrEqual(10_000);
      expect(text(value(e, 'd', 'small'))).toBe('s');
      expect(value(e, 'd', 'exact').length).toBe(0);
    });
  });

  it('large keys that map no page yet keep their region across a remount (no two keys share one)', () => {
    const ctx = device(basis, seed);
    // Reserved by hint, never written: no page is mapped for it.
    ctx.engine.get('d', 'reserved-only', { createDict: true, createKey: true, allocHint: 3 * VPAGE_SIZE });
    ctx.engine.sync();
    let r = reboot(ctx.flash, ctx.keybox, 'region-1');
    if (basis !== '.System') r.engine.unlockBasis(basis, PW);
    const other = r.engine.get('d', 'other', { createKey: true, basis, allocHint: 3 * VPAGE_SIZE });
    r.engine.write(other, 0, pattern(2 * VPAGE_SIZE, 5));
    r.engine.write(r.engine.get('d', 'reserved-only'), 0, pattern(2 * VPAGE_SIZE, 6));
    r.engine.sync();
    eq(value(r.engine, 'd', 'other'), pattern(2 * VPAGE_SIZE, 5));
    r = reboot(r.flash, ctx.keybox, 'region-2');
    const e = r.engine;
    if (basis !== '.System') e.unlockBasis(basis, PW);
    eq(value(e, 'd', 'other'), pattern(2 * VPAGE_SIZE, 5));
    eq(value(e, 'd', 'reserved-only'), pattern(2 * VPAGE_SIZE, 6));
  });

  it("a large key of one dict never shows up in another dict's listing after a remount", () => {
    const ctx = device(basis, seed);
    put2(ctx.engine, 'first', 'small', utf8('s'));
    // dict 2's first key slots hold large keys: dict 1's loader must not read dict 2's descriptor page
    for (let i = 0; i < 5; i++) put2(ctx.engine, 'second', `large${i}`, pattern(VPAGE_SIZE + i, i));
    put2(ctx.engine, 'third', 'x', pattern(2 * VPAGE_SIZE));
    everywhere(ctx, (e) => {
      expect(e.listKeys('first')).toEqual(['small']);
      expect(e.listKeys('second')).toEqual(['large0', 'large1', 'large2', 'large3', 'large4']);
      expect(e.listKeys('third')).toEqual(['x']);
      expect(e.readDict('first').map((x) => x.key)).toEqual(['small']);
    });
  });
});

function put2(engine: PddbEngine, dict: string, key: string, v: Uint8Array): void {
  engine.write(engine.get(dict, key, { createDict: true, createKey: true }), 0, v);
}

describe('a dict whose small-key pool is full', () => {
  it('places further small values in the large pool instead of spilling into the next dict', () => {
    const { flash, keybox, engine } = freshDevice('pool-full');
    put2(engine, 'a', 'first', utf8('in the pool'));
    put2(engine, 'b', 'neighbour', utf8('next dict'));
    // Make dict 'a' look as if all 4096 of its pool pages were full (16.6 MB of small keys do not fit in a test
    // device): its allocator state is internal, so set it directly.
    const dictA = (
      engine as unknown as { stack: { dict(name: string): { poolTail: number[] } | undefined }[] }
    ).stack[0].dict('a')!;
    const tails = dictA.poolTail;
    for (let p = 0; p < 4096; p++) tails[p] = Math.max(tails[p] ?? 0, VPAGE_SIZE);
    put2(engine, 'a', 'overflow', utf8('somewhere safe'));
    const grown = engine.get('a', 'first');
    engine.write(grown, 11, utf8(' and more')); // a rewrite of a small key needs a new range too
    engine.sync();
    for (const e of [engine, remount(flash, keybox)]) {
      expect(text(value(e, 'a', 'overflow'))).toBe('somewhere safe');
      expect(text(value(e, 'a', 'first'))).toBe('in the pool and more');
      expect(text(value(e, 'b', 'neighbour'))).toBe('next dict');
      expect(e.listKeys('b')).toEqual(['neighbour']);
    }
  });
});
