// Issue 6 #3: a damaged page-table entry or data page under a key is an error that names the damage, never zeros
// with success; a sync or churn afterwards does not turn the damage into data; check() reports every damaged or
// missing page, the keys it touches and what still reads.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../lib/random.ts';
import type { Catalog } from '../../../pddb/engine/catalog.ts';
import { PddbEngine } from '../../../pddb/engine/engine.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { PTE_SIZE, VPAGE_SIZE } from '../../../pddb/format/constants.ts';
import { dataPageOffset } from '../../../pddb/format/layout.ts';
import { PIN, bytesOf, expectBytes, expectCode, freshDevice, put } from './helpers.ts';

const rng = new SeededRandom('damage-values');
const small = bytesOf(rng, 8);
const neighbour = bytesOf(rng, 30);
const large = bytesOf(rng, 50_000);

/** An image with .System holding two small keys on one pool page and a 50 KB key; and a secret basis. */
function build() {
  const { flash, keybox, engine } = freshDevice('damage');
  put(engine, 'd', 'small', small);
  put(engine, 'd', 'neighbour', neighbour);
  put(engine, 'd', 'large', large);
  engine.createBasis('S', 'pw');
  engine.unlockBasis('S', 'pw');
  put(engine, 'secret', 'k', 'in S', 'S');
  engine.close();
  return { image: flash.snapshot(), keybox };
}
const { image, keybox } = build();

const mount = (img: Uint8Array, seed = 'damage-mount') => {
  const flash = MemoryFlash.from(img);
  const engine = PddbEngine.mount(flash, keybox, PIN, { random: new SeededRandom(seed) });
  engine.unlockBasis('S', 'pw');
  return { flash, engine };
};

/** The physical page holding page `n` of a key's value (found through the engine's own map). */
function physOf(engine: PddbEngine, key: string, n = 0): number {
  const system = (engine as unknown as { stack: Catalog[] }).stack[0];
  const entry = system.dict('d')!.keys.get(key)!;
  return system.basis.mapping.get(Math.floor(entry.start / VPAGE_SIZE) + n)!.phys;
}

function damaged(what: 'pte' | 'data', key: string, n = 0): Uint8Array {
  const { engine } = mount(image);
  const phys = physOf(engine, key, n);
  const img = image.slice();
  const layout = engine.layout;
  img[what === 'pte' ? layout.ptOffset + phys * PTE_SIZE + 3 : dataPageOffset(layout, phys) + 100] ^= 0x10;
  return img;
}

describe('a damaged page under a key', () => {
  it('a flipped byte in the PTE of a small key: BadImage naming basis, dict and key, never 8 NUL bytes', () => {
    const { engine } = mount(damaged('pte', 'small'));
    const err = expectCode(() => engine.readAll(engine.get('d', 'small')), 'BadImage');
    expect(err.message).toMatch(/key 'small' of dict 'd' in basis '.System' is missing from the page table/);
    expect(err.message).not.toContain(Buffer.from(small).toString('hex'));
    expectCode(() => engine.readAll(engine.get('d', 'neighbour')), 'BadImage'); // same pool page
    expectBytes(engine.readAll(engine.get('d', 'large')), large);
  });

  it('a 50 KB key with one lost PTE: BadImage, not a 4,064-byte hole; the pages before it still read', () => {
    const { engine } = mount(damaged('pte', 'large', 3));
    const h = engine.get('d', 'large');
    expectCode(() => engine.readAll(h), 'BadImage');
    expectCode(() => engine.read(h, 3 * VPAGE_SIZE + 10, 10), 'BadImage');
    expectBytes(engine.read(h, 0, 3 * VPAGE_SIZE), large.subarray(0, 3 * VPAGE_SIZE));
  });

  it('a data page that does not decrypt: BadImage "does not decrypt"', () => {
    const { engine } = mount(damaged('data', 'large', 1));
    expect(expectCode(() => engine.readAll(engine.get('d', 'large')), 'BadImage').message).toMatch(/does not decrypt/);
  });

  it('sync, new writes and churn do not launder the damage into zeros', () => {
    for (const [what, n] of [
      ['pte', 0],
      ['data', 0],
    ] as const) {
      const { flash, engine } = mount(damaged(what, 'small', n));
      // A new small key in the same dict must not take room on the damaged pool page (a write there would commit
      // zeros over the keys it held).
      put(engine, 'd', 'new', 'fresh', '.System');
      engine.sync();
      try {
        engine.churn();
      } catch (e) {
        // A page that does not decrypt cannot be rewritten: churn stops with the damage, it does not paper over it.
        expect(what).toBe('data');
        expect((e as Error).message).toMatch(/BadImage/);
      }
      engine.close();
      const again = PddbEngine.mount(MemoryFlash.from(flash.snapshot()), keybox, PIN, {
        random: new SeededRandom('again'),
      });
      expectCode(() => again.readAll(again.get('d', 'small')), 'BadImage');
      expectCode(() => again.readAll(again.get('d', 'neighbour')), 'BadImage');
      expect(Buffer.from(again.readAll(again.get('d', 'new'))).toString()).toBe('fresh');
      expectBytes(again.readAll(again.get('d', 'large')), large);
    }
  });

  it('a whole new value may replace a damaged one; a partial write that would keep damaged bytes is refused', () => {
    const { engine } = mount(damaged('pte', 'large', 2));
    const h = engine.get('d', 'large');
    expectCode(() => engine.write(h, 0, new Uint8Array(10)), 'BadImage'); // would keep bytes 10.. of the old value
    const fresh = bytesOf(rng, 60_000);
    engine.write(h, 0, fresh);
    engine.sync();
    expectBytes(engine.readAll(h), fresh);
  });
});

describe('check()', () => {
  it('an undamaged image: ok, every open basis counted', () => {
    const r = mount(image).engine.check();
    expect(r.ok).toBe(true);
    expect(r.pages).toEqual([]);
    expect(r.keys).toEqual([]);
    expect(r.bases.map((b) => [b.basis, b.dicts, b.keys])).toEqual([
      ['.System', 1, 3],
      ['S', 1, 1],
    ]);
  });

  it('reports each missing or damaged page, what it holds, each key it touches and what still reads', () => {
    const img = damaged('pte', 'large', 3);
    const { engine } = mount(img);
    const phys = physOf(mount(image).engine, 'small');
    img[dataPageOffset(engine.layout, phys) + 200] ^= 1; // and the small keys' pool page does not decrypt
    const r = mount(img).engine.check();
    expect(r.ok).toBe(false);
    expect(r.pages.map((p) => [p.basis, p.state, p.holds])).toEqual([
      ['.System', 'undecryptable', "key 'small' of dict 'd' and 1 more key(s)"],
      ['.System', 'missing', "key 'large' of dict 'd'"],
    ]);
    const byKey = Object.fromEntries(r.keys.map((k) => [k.key, k]));
    expect(Object.keys(byKey).sort()).toEqual(['large', 'neighbour', 'small']);
    expect(byKey.large).toMatchObject({
      basis: '.System',
      dict: 'd',
      len: large.length,
      readable: large.length - VPAGE_SIZE,
      badPages: 1,
    });
    expect(byKey.small).toMatchObject({ len: small.length, readable: 0, badPages: 1 });
    expect(JSON.stringify(r)).not.toContain(Buffer.from(large.subarray(0, 8)).toString('hex'));
  });

  it('a damaged dict header or descriptor page: its dict or keys vanish from listings, and check() says where', () => {
    const { engine } = mount(image);
    const system = (engine as unknown as { stack: Catalog[] }).stack[0];
    const dict = system.dict('d')!;
    const header = system.basis.mapping.get((dict.index * 0xfe_0000) / VPAGE_SIZE)!.phys;
    const img = image.slice();
    img[dataPageOffset(engine.layout, header) + 50] ^= 4;
    const after = mount(img).engine;
    expect(after.listDicts('.System')).toEqual([]);
    const r = after.check();
    expect(r.ok).toBe(false);
    expect(r.pages.map((p) => [p.state, p.holds])).toEqual([['undecryptable', 'the header of dict #1 (not loaded)']]);
  });
});
