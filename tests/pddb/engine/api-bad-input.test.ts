// Bad and odd API input: every call gives a typed PddbError (its .code checked), never a crash or a stray
// TypeError, changes nothing, and the engine keeps working afterwards (each case ends with a successful
// write + read + sync, and the image still mounts with everything in it).
import { describe, expect, it } from 'vitest';
import { type KeyHandle, PddbEngine } from '../../../pddb/engine/engine.ts';
import type { PddbCode } from '../../../pddb/errors.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { TEST_PDDB_LEN } from '../../../pddb/format/constants.ts';
import { PIN, expectCode, freshDevice, getText, put, remount, text, utf8 } from './helpers.ts';

function ready(seed = 'bad-input') {
  const d = freshDevice(seed);
  put(d.engine, 'd', 'k', 'base');
  d.engine.createBasis('S', 'pw');
  d.engine.unlockBasis('S', 'pw');
  put(d.engine, 's', 'k', 'secret', 'S');
  d.engine.sync();
  let n = 0;
  /** The engine still works: nothing changed by the bad call, a new write reads back and survives a remount. */
  const stillWorks = () => {
    expect(d.engine.listBasis()).toEqual(['.System', 'S']);
    expect(getText(d.engine, 'd', 'k')).toBe('base');
    expect(getText(d.engine, 's', 'k')).toBe('secret');
    const key = `after-${n++}`;
    put(d.engine, 'd', key, key, '.System');
    expect(getText(d.engine, 'd', key)).toBe(key);
    d.engine.sync();
    const e2 = remount(d.flash, d.keybox, `still-${n}`);
    expect(getText(e2, 'd', key)).toBe(key);
    e2.unlockBasis('S', 'pw');
    expect(getText(e2, 's', 'k')).toBe('secret');
  };
  return { ...d, stillWorks };
}

/** Each call must fail with `code` and leave the engine as it was. */
function cases(ctx: ReturnType<typeof ready>, code: PddbCode, calls: [string, () => unknown][]): void {
  for (const [what, call] of calls) {
    try {
      expectCode(call, code);
    } catch (e) {
      throw new Error(`${what}: ${(e as Error).message}`);
    }
  }
  ctx.stillWorks();
}

const any = <T>(x: unknown) => x as T;

describe('names', () => {
  it('non-strings, empty, NUL, lone surrogates, too long: InvalidName wherever a name goes', () => {
    const ctx = ready();
    const { engine } = ctx;
    const bad: unknown[] = [
      '',
      '\0',
      'x\0',
      '\uD800',
      'a\uDC00b',
      '😀'.slice(0, 1),
      'k'.repeat(200),
      123,
      null,
      undefined,
      {},
      ['d'],
      Symbol.iterator,
    ];
    const calls: [string, () => unknown][] = [];
    for (const b of bad) {
      const n = any<string>(b);
      const tag = typeof b === 'string' ? JSON.stringify(b.slice(0, 8)) : String(typeof b);
      calls.push(
        [`get dict ${tag}`, () => engine.get(n, 'k', { createDict: true, createKey: true })],
        [`get key ${tag}`, () => engine.get('d', n, { createDict: true, createKey: true })],
        [`deleteKey ${tag}`, () => engine.deleteKey('d', n)],
        [`deleteDict ${tag}`, () => engine.deleteDict(n)],
        [`listKeys ${tag}`, () => engine.listKeys(n)],
        [`readDict ${tag}`, () => engine.readDict(n)],
        [`createBasis ${tag}`, () => engine.createBasis(n, 'pw')],
        [`unlockBasis ${tag}`, () => engine.unlockBasis(n, 'pw')],
        [`lockBasis ${tag}`, () => engine.lockBasis(n)],
        [`deleteBasis ${tag}`, () => engine.deleteBasis(n)],
      );
      // (an undefined basis is no basis: the whole stack)
      if (b !== undefined) {
        calls.push(
          [`get basis option ${tag}`, () => engine.get('d', 'k', { basis: n })],
          [`listDicts basis ${tag}`, () => engine.listDicts(n)],
        );
      }
    }
    cases(ctx, 'InvalidName', calls);
    expect(engine.listDicts()).toEqual(['d', 's']);
  });

  it('hostile but valid names round-trip exactly: JS property names, separators, RTL, whitespace, emoji', () => {
    const { flash, keybox, engine } = ready();
    const names = [
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      '../..',
      'a/b\\c',
      '|',
      ' ',
      '\t\n',
      '\u202Eevil',
      '😀',
      'e\u0301',
      'é',
      '.System',
      'null',
      'undefined',
      '0',
    ];
    for (const n of names) {
      put(engine, n, n, `value of ${JSON.stringify(n)}`, 'S');
      put(engine, 'hostile', n, n, '.System');
    }
    engine.createBasis('__proto__', 'pw');
    engine.unlockBasis('__proto__', 'pw');
    put(engine, 'constructor', 'toString', 'in a basis called __proto__', '__proto__');
    engine.sync();
    for (const e of [engine, remount(flash, keybox)]) {
      if (e !== engine) {
        e.unlockBasis('S', 'pw');
        e.unlockBasis('__proto__', 'pw');
      }
      expect(e.listKeys('hostile')).toEqual([...names].sort());
      for (const n of names) {
        expect(getText(e, n, n, 'S')).toBe(`value of ${JSON.stringify(n)}`);
        expect(getText(e, 'hostile', n)).toBe(n);
      }
      // NFC and NFD spellings are different names (no normalisation)
      expect(getText(e, 'hostile', 'é')).toBe('é');
      expect(getText(e, 'hostile', 'e\u0301')).toBe('e\u0301');
      expect(getText(e, 'constructor', 'toString')).toBe('in a basis called __proto__');
      expect(e.listBasis()).toEqual(['.System', 'S', '__proto__']);
    }
  });
});

describe('numbers', () => {
  it('offsets and lengths: negative, fractional, NaN, infinite, unsafe or not numbers are InvalidArgument', () => {
    const ctx = ready();
    const { engine } = ctx;
    const h = engine.get('d', 'k');
    const badNumbers: unknown[] = [-1, -0.5, 1.5, Number.NaN, Infinity, -Infinity, 2 ** 53, '3', null, undefined, 1n];
    const calls: [string, () => unknown][] = [];
    for (const b of badNumbers) {
      const n = any<number>(b);
      const tag = String(b);
      calls.push(
        [`read offset ${tag}`, () => engine.read(h, n, 4)],
        [`read length ${tag}`, () => engine.read(h, 0, n)],
        [`write offset ${tag}`, () => engine.write(h, n, utf8('x'))],
        [`truncate ${tag}`, () => engine.truncate(h, n)],
      );
    }
    cases(ctx, 'InvalidArgument', calls);
    expect(getText(engine, 'd', 'k')).toBe('base');
  });

  it('allocHint: not a non-negative safe integer is InvalidArgument; more than 32 GiB is LimitExceeded; no key or dict is made', () => {
    const ctx = ready();
    const { engine } = ctx;
    cases(
      ctx,
      'InvalidArgument',
      [-1, 1.5, Number.NaN, Infinity, '100', null, 2 ** 53].map((b) => [
        `allocHint ${String(b)}`,
        () => engine.get('newdict', 'k', { createDict: true, createKey: true, allocHint: any<number>(b) }),
      ]),
    );
    cases(ctx, 'LimitExceeded', [
      ['hint 2^40', () => engine.get('newdict', 'k', { createDict: true, createKey: true, allocHint: 2 ** 40 })],
      ['hint 2^52', () => engine.get('d', 'new', { createKey: true, allocHint: 2 ** 52 })],
    ]);
    expect(engine.listDicts()).toEqual(['d', 's']);
    expect(engine.listKeys('d')).not.toContain('new');
    // The largest hint that fits makes a key that reserves nothing on flash until written.
    const free = engine.freeSpace;
    const h = engine.get('d', 'huge-hint', { createKey: true, allocHint: 32 * 2 ** 30 });
    engine.write(h, 0, utf8('fits'));
    engine.sync();
    expect(engine.freeSpace).toBeGreaterThan(free - 10);
    expect(getText(engine, 'd', 'huge-hint')).toBe('fits');
  });

  it('reads past the end return what exists (possibly nothing), without error', () => {
    const { engine, stillWorks } = ready();
    const h = engine.get('d', 'k');
    expect(text(engine.read(h, 2, 1_000_000))).toBe('se');
    expect(engine.read(h, 4, 10).length).toBe(0);
    expect(engine.read(h, 5, 10).length).toBe(0);
    expect(engine.read(h, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).length).toBe(0);
    expect(engine.read(h, 0, Number.MAX_SAFE_INTEGER).length).toBe(4);
    const empty = engine.get('d', 'empty', { createKey: true });
    expect(engine.read(empty, 0, 10).length).toBe(0);
    expect(engine.readAll(empty).length).toBe(0);
    stillWorks();
  });

  it('a write at a huge offset: every page up to it would be written (a gap is zeros on flash), so more than the device holds is DiskFull, with no side effect', () => {
    const ctx = ready();
    const { engine } = ctx;
    const far = 2 ** 34; // 16 GiB: more than the device, within the 32 GiB a key may span
    const small = engine.get('d', 'sparse-small', { createKey: true }); // starts as a small key
    engine.write(small, 0, utf8('head'));
    const large = engine.get('d', 'sparse-large', { createKey: true, allocHint: 3 * 4064 });
    engine.write(large, 0, utf8('body'));
    engine.sync();
    expect(expectCode(() => engine.write(small, far, utf8('x')), 'DiskFull').message).toMatch(/device is full/);
    expectCode(() => engine.write(large, far - 2, utf8('yz')), 'DiskFull');
    expect(getText(engine, 'd', 'sparse-small')).toBe('head');
    expect(getText(engine, 'd', 'sparse-large')).toBe('body');
    // A gap that fits reads as zeros, before and after a remount.
    engine.write(large, 5 * 4064 + 10, utf8('yz'));
    engine.sync();
    for (const e of [engine, remount(ctx.flash, ctx.keybox, 'sparse')]) {
      const h = e.get('d', 'sparse-large');
      expect(e.attributes(h).len).toBe(5 * 4064 + 12);
      expect(e.read(h, 4, 5 * 4064 + 6).every((b) => b === 0)).toBe(true);
      expect(text(e.read(h, 5 * 4064 + 10, 100))).toBe('yz');
    }
    engine.truncate(engine.get('d', 'sparse-small'), 2);
    engine.deleteKey('d', 'sparse-large', '.System');
    engine.sync();
    expect(getText(engine, 'd', 'sparse-small')).toBe('he');
    ctx.stillWorks();
  });

  it('write data that is not a Uint8Array is InvalidArgument; empty data and Buffers are fine', () => {
    const ctx = ready();
    const { engine } = ctx;
    const h = engine.get('d', 'k');
    cases(
      ctx,
      'InvalidArgument',
      [
        'text',
        [1, 2, 3],
        null,
        undefined,
        42,
        new ArrayBuffer(4),
        new Uint16Array(2),
        new DataView(new ArrayBuffer(2)),
      ].map((b) => [`write ${Object.prototype.toString.call(b)}`, () => engine.write(h, 0, any<Uint8Array>(b))]),
    );
    engine.write(h, 0, new Uint8Array(0));
    expect(getText(engine, 'd', 'k')).toBe('base');
    engine.write(h, 4, Buffer.from('!'));
    expect(getText(engine, 'd', 'k')).toBe('base!');
    engine.write(h, 0, new Uint8Array(new ArrayBuffer(16), 3, 2).fill(0x42)); // a view with an offset
    expect(getText(engine, 'd', 'k')).toBe('BBse!');
  });
});

describe('deleted and locked things', () => {
  it('handles of deleted keys and dicts: NotFound; deleting twice: NotFound', () => {
    const ctx = ready();
    const { engine } = ctx;
    const k = put(engine, 'd', 'doomed', 'x', '.System');
    const inDict = put(engine, 'gone', 'k', 'y', '.System');
    engine.deleteKey('d', 'doomed', '.System');
    engine.deleteDict('gone', '.System');
    cases(ctx, 'NotFound', [
      ['read deleted key', () => engine.readAll(k)],
      ['read at deleted key', () => engine.read(k, 0, 1)],
      ['write deleted key', () => engine.write(k, 0, utf8('x'))],
      ['truncate deleted key', () => engine.truncate(k, 0)],
      ['attributes deleted key', () => engine.attributes(k)],
      ['key of deleted dict', () => engine.readAll(inDict)],
      ['deleteKey twice', () => engine.deleteKey('d', 'doomed', '.System')],
      ['deleteDict twice', () => engine.deleteDict('gone', '.System')],
      ['deleteKey in deleted dict', () => engine.deleteKey('gone', 'k', '.System')],
      ['listKeys deleted dict', () => engine.listKeys('gone')],
      ['readDict deleted dict', () => engine.readDict('gone')],
      ['get deleted key', () => engine.get('d', 'doomed')],
      ['createKey in deleted dict', () => engine.get('gone', 'k', { createKey: true })],
      ['basis not open', () => engine.get('d', 'k', { basis: 'never' })],
      ['listDicts of a basis not open', () => engine.listDicts('never')],
      ['deleteKey in a basis not open', () => engine.deleteKey('d', 'k', 'never')],
    ]);
    // A recreated key is a new, empty key; the old handle names it again (handles are by name, like the original's).
    engine.get('d', 'doomed', { createKey: true, basis: '.System' });
    expect(engine.readAll(k).length).toBe(0);
  });

  it('handles of a locked or deleted basis, or from an engine that was closed or remounted: BasisLost / NotMounted', () => {
    const ctx = ready();
    const { engine } = ctx;
    engine.createBasis('T', 'pw');
    engine.unlockBasis('T', 'pw');
    const t = put(engine, 't', 'k', 'v', 'T');
    engine.lockBasis('T');
    engine.createBasis('U', 'pw');
    engine.unlockBasis('U', 'pw');
    const u = put(engine, 'u', 'k', 'v', 'U');
    engine.deleteBasis('U');
    const other = remount(ctx.flash, ctx.keybox, 'other-engine');
    const foreign = other.get('d', 'k');
    cases(ctx, 'BasisLost', [
      ['locked', () => engine.readAll(t)],
      ['deleted', () => engine.write(u, 0, utf8('x'))],
      ['handle of another engine', () => engine.readAll(foreign)],
    ]);
    cases(ctx, 'InvalidArgument', [
      ['not a handle', () => engine.readAll(any<KeyHandle>({ dict: 'd', key: 'k', basis: '.System' }))],
      ['null handle', () => engine.attributes(any<KeyHandle>(null))],
    ]);
  });

  it('after close(), every call is NotMounted; close twice is harmless', () => {
    const { flash, keybox, engine } = ready();
    const h = engine.get('d', 'k');
    put(engine, 'd', 'at-close', 'synced by close', '.System');
    engine.close();
    engine.close();
    for (const call of [
      () => engine.listBasis(),
      () => engine.latestBasis(),
      () => engine.get('d', 'k'),
      () => engine.readAll(h),
      () => engine.write(h, 0, utf8('x')),
      () => engine.listDicts(),
      () => engine.listKeys('d'),
      () => engine.readDict('d'),
      () => engine.deleteKey('d', 'k'),
      () => engine.createBasis('X', 'pw'),
      () => engine.unlockBasis('S', 'pw'),
      () => engine.lockBasis('S'),
      () => engine.sync(),
      () => engine.suspend(),
      () => engine.rebuildSpace(),
      () => engine.freeSpace,
      () => engine.exportKeys(),
    ]) {
      expectCode(call, 'NotMounted');
    }
    const e2 = remount(flash, keybox);
    expect(getText(e2, 'd', 'at-close')).toBe('synced by close');
  });
});

describe('passwords and bases', () => {
  it('a 0-length password opens nothing (AccessDenied); a non-string password is InvalidArgument', () => {
    const ctx = ready();
    const { engine } = ctx;
    cases(ctx, 'AccessDenied', [
      ['empty password', () => engine.unlockBasis('S', '')],
      ['empty password, absent basis', () => engine.unlockBasis('Nope', '')],
    ]);
    cases(
      ctx,
      'InvalidArgument',
      [undefined, null, 42, utf8('pw'), {}, '\uD800'].flatMap((p) => [
        [`unlock with ${String(p)}`, () => engine.unlockBasis('S', any<string>(p))],
        [`create with ${String(p)}`, () => engine.createBasis('New', any<string>(p))],
      ]) as [string, () => unknown][],
    );
  });

  it('operations on a basis that is not open or does not exist', () => {
    const ctx = ready();
    const { engine } = ctx;
    // Unlocking an absent basis is a wrong password: the original's AccessDenied.
    cases(ctx, 'AccessDenied', [['unlock absent', () => engine.unlockBasis('absent', 'pw')]]);
    cases(ctx, 'NotFound', [
      ['lock absent', () => engine.lockBasis('absent')],
      ['delete absent', () => engine.deleteBasis('absent')],
      ['listKeys in absent', () => engine.listKeys('d', 'absent')],
      ['readDict in absent', () => engine.readDict('d', 'absent')],
    ]);
    cases(ctx, 'DuplicateEntry', [
      ['create .System', () => engine.createBasis('.System', 'pw')],
      ['create S again', () => engine.createBasis('S', 'pw')],
    ]);
  });
});

describe('mounting', () => {
  it('wrong PIN: AccessDenied; malformed keybox or unformatted flash: BadImage; the right PIN still works', () => {
    const { flash, keybox } = ready();
    expectCode(() => PddbEngine.mount(MemoryFlash.from(flash.snapshot()), keybox, '0000'), 'AccessDenied');
    expectCode(() => PddbEngine.mount(MemoryFlash.from(flash.snapshot()), keybox.subarray(0, 100), PIN), 'BadImage');
    expectCode(() => PddbEngine.mount(MemoryFlash.from(flash.snapshot()), new Uint8Array(1024), PIN), 'BadImage');
    expectCode(() => PddbEngine.mount(new MemoryFlash(TEST_PDDB_LEN), keybox, PIN), 'BadImage');
    expectCode(() => PddbEngine.mount(new MemoryFlash(8 * 4096), keybox, PIN), 'BadImage');
    const e = PddbEngine.mount(MemoryFlash.from(flash.snapshot()), keybox, PIN);
    expect(getText(e, 'd', 'k')).toBe('base');
  });
});
