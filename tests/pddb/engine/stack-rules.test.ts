// The stack rules of the original (services/pddb main.rs KeyRequest, backend/basis.rs BasisCache), one test each:
// which basis a read, a create, a delete and a listing acts on when several bases are open.
import { describe, expect, it } from 'vitest';
import { PddbError } from '../../../pddb/errors.ts';
import type { BasisEvent } from '../../../pddb/engine/engine.ts';
import { expectCode, freshDevice, getText, put, remount, text, utf8 } from './helpers.ts';

/** .System plus two created (locked) secret bases A and B. */
function device(seed = 'stack') {
  const d = freshDevice(seed);
  d.engine.createBasis('A', 'pw-a');
  d.engine.createBasis('B', 'pw-b');
  return d;
}

describe('reads walk the stack newest -> oldest', () => {
  it('the newest basis holding dict+key wins, and locking it uncovers the older value', () => {
    const { engine } = device();
    put(engine, 'd', 'k', 'sys');
    engine.unlockBasis('A', 'pw-a');
    put(engine, 'd', 'k', 'from A', 'A');
    engine.unlockBasis('B', 'pw-b'); // B has no dict 'd': the walk passes it by
    expect(engine.listBasis()).toEqual(['.System', 'A', 'B']);
    expect(getText(engine, 'd', 'k')).toBe('from A');
    expect(engine.get('d', 'k').basis).toBe('A');
    put(engine, 'd', 'k', 'from B', 'B');
    expect(getText(engine, 'd', 'k')).toBe('from B');
    engine.lockBasis('B');
    expect(getText(engine, 'd', 'k')).toBe('from A');
    engine.lockBasis('A');
    expect(getText(engine, 'd', 'k')).toBe('sys');
    expect(engine.get('d', 'k').basis).toBe('.System');
  });

  it('a key only an older basis holds is found through a newer basis that has the dict', () => {
    const { engine } = device();
    put(engine, 'd', 'old', 'sys-old');
    engine.unlockBasis('A', 'pw-a');
    put(engine, 'd', 'other', 'a-other', 'A');
    expect(getText(engine, 'd', 'old')).toBe('sys-old');
    expect(engine.get('d', 'old').basis).toBe('.System');
    expectCode(() => engine.get('d', 'nowhere'), 'NotFound');
  });

  it('a basis-qualified get reads that basis only', () => {
    const { engine } = device();
    put(engine, 'd', 'k', 'sys');
    engine.unlockBasis('A', 'pw-a');
    put(engine, 'd', 'k', 'a', 'A');
    expect(getText(engine, 'd', 'k', '.System')).toBe('sys');
    expect(getText(engine, 'd', 'k', 'A')).toBe('a');
    put(engine, 'd', 'only-sys', 'x', '.System');
    expectCode(() => engine.get('d', 'only-sys', { basis: 'A' }), 'NotFound');
    expectCode(() => engine.get('d', 'k', { basis: 'B' }), 'NotFound'); // B is not open
  });
});

describe('creates', () => {
  it('get(createDict) creates the dict in the latest basis only', () => {
    const { engine } = device();
    engine.unlockBasis('A', 'pw-a');
    const h = engine.get('fresh', 'k', { createDict: true, createKey: true });
    expect(h.basis).toBe('A');
    expect(engine.listDicts('A')).toEqual(['fresh']);
    expect(engine.listDicts('.System')).toEqual([]);
    // createDict alone: the dict is made in the latest basis, the missing key is NotFound.
    engine.unlockBasis('B', 'pw-b');
    expectCode(() => engine.get('other', 'k', { createDict: true }), 'NotFound');
    expect(engine.listDicts('B')).toEqual(['other']);
    expect(engine.listDicts('A')).toEqual(['fresh']);
    expect(engine.listDicts('.System')).toEqual([]);
  });

  it('get(createDict, createKey) makes the key in the latest basis even when an older basis holds it (shadowing, as the original)', () => {
    const { engine } = device();
    put(engine, 'd', 'k', 'sys value');
    engine.unlockBasis('A', 'pw-a');
    const h = engine.get('d', 'k', { createDict: true, createKey: true });
    expect(h.basis).toBe('A');
    expect(engine.readAll(h).length).toBe(0);
    engine.write(h, 0, utf8('A value'));
    expect(getText(engine, 'd', 'k')).toBe('A value');
    expect(getText(engine, 'd', 'k', '.System')).toBe('sys value');
    // A second create-get finds A's key, it does not make another.
    const again = engine.get('d', 'k', { createDict: true, createKey: true });
    expect(again.basis).toBe('A');
    expect(text(engine.readAll(again))).toBe('A value');
  });

  it('get(createDict) without createKey returns a key an older basis holds', () => {
    const { engine } = device();
    put(engine, 'd', 'k', 'sys value');
    engine.unlockBasis('A', 'pw-a');
    const h = engine.get('d', 'k', { createDict: true });
    expect(h.basis).toBe('.System');
    expect(text(engine.readAll(h))).toBe('sys value');
    expect(engine.listDicts('A')).toEqual(['d']); // as the original: the dict is made in the latest basis first
  });

  it('createKey alone creates the key in the newest basis that has the dict', () => {
    const { engine } = device();
    put(engine, 'd', 'sys-key', 's');
    engine.unlockBasis('A', 'pw-a');
    put(engine, 'd', 'a-key', 'a', 'A');
    engine.unlockBasis('B', 'pw-b'); // top, but without dict 'd'
    const h = engine.get('d', 'new', { createKey: true });
    expect(h.basis).toBe('A');
    expect(engine.listKeys('d', 'A')).toEqual(['a-key', 'new']);
    expect(engine.listKeys('d', '.System')).toEqual(['sys-key']);
    expect(engine.listDicts('B')).toEqual([]);
    // With A locked, the newest basis with the dict is .System.
    engine.lockBasis('A');
    expect(engine.get('d', 'new2', { createKey: true }).basis).toBe('.System');
    // No basis has the dict: NotFound, and no dict is made anywhere.
    expectCode(() => engine.get('nodict', 'k', { createKey: true }), 'NotFound');
    expect(engine.listDicts()).toEqual(['d']);
  });

  it('createKey alone shadows a same-named key of an older basis (the newest basis with the dict gets it)', () => {
    const { engine } = device();
    put(engine, 'd', 'k', 'sys value');
    engine.unlockBasis('A', 'pw-a');
    put(engine, 'd', 'other', 'x', 'A');
    const h = engine.get('d', 'k', { createKey: true });
    expect(h.basis).toBe('A');
    expect(engine.readAll(h).length).toBe(0);
    expect(getText(engine, 'd', 'k', '.System')).toBe('sys value');
  });

  it('createKey with an explicit basis creates there', () => {
    const { engine } = device();
    engine.unlockBasis('A', 'pw-a');
    engine.get('d', 'x', { createDict: true, createKey: true, basis: '.System' });
    const h = engine.get('d', 'k', { createKey: true, basis: '.System' });
    expect(h.basis).toBe('.System');
    expect(engine.listDicts('A')).toEqual([]);
  });
});

describe('deletes without a basis act on the latest basis only', () => {
  it('deleteKey: NotFound when only an older basis holds the key; deletes the latest basis copy otherwise', () => {
    const { engine } = device();
    put(engine, 'd', 'k', 'sys');
    engine.unlockBasis('A', 'pw-a');
    expectCode(() => engine.deleteKey('d', 'k'), 'NotFound');
    expect(getText(engine, 'd', 'k')).toBe('sys');
    put(engine, 'd', 'k', 'a', 'A');
    engine.deleteKey('d', 'k');
    expect(engine.listKeys('d', 'A')).toEqual([]);
    expect(getText(engine, 'd', 'k')).toBe('sys'); // the older copy shows through again
    // basis-qualified: the older copy goes too
    engine.deleteKey('d', 'k', '.System');
    expectCode(() => engine.get('d', 'k'), 'NotFound');
  });

  it('deleteDict: NotFound when only an older basis has the dict; the qualified form reaches it', () => {
    const { engine } = device();
    put(engine, 'd', 'k', 'sys');
    engine.unlockBasis('A', 'pw-a');
    expectCode(() => engine.deleteDict('d'), 'NotFound');
    expect(engine.listDicts()).toEqual(['d']);
    put(engine, 'd', 'k', 'a', 'A');
    engine.deleteDict('d');
    expect(engine.listDicts('A')).toEqual([]);
    expect(getText(engine, 'd', 'k')).toBe('sys');
    engine.deleteDict('d', '.System');
    expect(engine.listDicts()).toEqual([]);
    expectCode(() => engine.listKeys('d'), 'NotFound');
  });

  it('deletes stay deleted after sync and remount', () => {
    const { flash, keybox, engine } = device();
    put(engine, 'd', 'k', 'sys');
    put(engine, 'd', 'k2', 'sys2');
    put(engine, 'gone', 'k', 'x');
    engine.unlockBasis('A', 'pw-a');
    put(engine, 'd', 'k', 'a', 'A');
    engine.deleteKey('d', 'k2', '.System');
    engine.deleteDict('gone', '.System');
    engine.deleteKey('d', 'k');
    engine.sync();
    const e2 = remount(flash, keybox);
    expect(e2.listDicts()).toEqual(['d']);
    expect(e2.listKeys('d')).toEqual(['k']);
    e2.unlockBasis('A', 'pw-a');
    expect(e2.listKeys('d', 'A')).toEqual([]);
    expect(getText(e2, 'd', 'k')).toBe('sys');
  });
});

describe('listings are the union over open bases', () => {
  it('listDicts and listKeys deduplicate and sort; qualified forms list one basis', () => {
    const { engine } = device();
    put(engine, 'zeta', 'k', '1');
    put(engine, 'shared', 'b', '1');
    put(engine, 'shared', 'a', '1');
    engine.unlockBasis('A', 'pw-a');
    put(engine, 'alpha', 'k', '1', 'A');
    put(engine, 'shared', 'c', '1', 'A');
    put(engine, 'shared', 'a', '2', 'A');
    engine.unlockBasis('B', 'pw-b');
    put(engine, 'shared', 'Z', '3', 'B');
    expect(engine.listDicts()).toEqual(['alpha', 'shared', 'zeta']);
    expect(engine.listDicts('A')).toEqual(['alpha', 'shared']);
    expect(engine.listDicts('B')).toEqual(['shared']);
    expect(engine.listDicts('.System')).toEqual(['shared', 'zeta']);
    expect(engine.listKeys('shared')).toEqual(['Z', 'a', 'b', 'c']);
    expect(engine.listKeys('shared', 'A')).toEqual(['a', 'c']);
    expect(engine.listKeys('shared', '.System')).toEqual(['a', 'b']);
    expectCode(() => engine.listKeys('alpha', 'B'), 'NotFound');
    expectCode(() => engine.listKeys('nowhere'), 'NotFound');
  });

  it('readDict: the union with the newest basis winning each key; qualified: one basis', () => {
    const { engine } = device();
    put(engine, 'd', 'a', 'sys-a');
    put(engine, 'd', 'b', 'sys-b');
    engine.unlockBasis('A', 'pw-a');
    put(engine, 'd', 'b', 'A-b', 'A');
    put(engine, 'd', 'c', 'A-c', 'A');
    const all = engine.readDict('d').map((e) => [e.key, e.basis, text(e.value)]);
    expect(all).toEqual([
      ['a', '.System', 'sys-a'],
      ['b', 'A', 'A-b'],
      ['c', 'A', 'A-c'],
    ]);
    expect(engine.readDict('d', '.System').map((e) => [e.key, text(e.value)])).toEqual([
      ['a', 'sys-a'],
      ['b', 'sys-b'],
    ]);
    expectCode(() => engine.readDict('nope'), 'NotFound');
    // An empty dict is not NotFound: it exists and holds nothing.
    expectCode(() => engine.get('empty', 'k', { createDict: true }), 'NotFound');
    expect(engine.readDict('empty')).toEqual([]);
  });

  it('locking a basis drops its dicts and keys from the union', () => {
    const { engine } = device();
    put(engine, 'd', 'sys', '1');
    engine.unlockBasis('A', 'pw-a');
    put(engine, 'd', 'a', '1', 'A');
    put(engine, 'secret', 'a', '1', 'A');
    expect(engine.listDicts()).toEqual(['d', 'secret']);
    engine.lockBasis('A');
    expect(engine.listDicts()).toEqual(['d']);
    expect(engine.listKeys('d')).toEqual(['sys']);
    expectCode(() => engine.listDicts('A'), 'NotFound');
    expectCode(() => engine.get('secret', 'a'), 'NotFound');
  });
});

describe('the basis stack', () => {
  it('listBasis is oldest first, latestBasis the top; re-unlocking an open basis moves it to the top', () => {
    const { engine } = device();
    expect(engine.latestBasis()).toBe('.System');
    engine.unlockBasis('A', 'pw-a');
    engine.unlockBasis('B', 'pw-b');
    put(engine, 'd', 'k', 'A', 'A');
    put(engine, 'd', 'k', 'B', 'B');
    const handleA = engine.get('d', 'k', { basis: 'A' });
    engine.write(handleA, 1, utf8('-unsynced'));
    expect(getText(engine, 'd', 'k')).toBe('B');
    engine.unlockBasis('A', 'pw-a');
    expect(engine.listBasis()).toEqual(['.System', 'B', 'A']);
    expect(engine.latestBasis()).toBe('A');
    expect(getText(engine, 'd', 'k')).toBe('A-unsynced');
    // A was never locked: its handles and its unsynced writes survive the move.
    expect(text(engine.readAll(handleA))).toBe('A-unsynced');
    // New dicts now go to A.
    expect(engine.get('new', 'k', { createDict: true, createKey: true }).basis).toBe('A');
  });

  it('re-unlocking an open basis with a wrong password fails NotFound and leaves it open where it was', () => {
    const { engine } = device();
    engine.unlockBasis('A', 'pw-a');
    engine.unlockBasis('B', 'pw-b');
    put(engine, 'd', 'k', 'unsynced in A', 'A');
    expectCode(() => engine.unlockBasis('A', 'not the password'), 'AccessDenied');
    expect(engine.listBasis()).toEqual(['.System', 'A', 'B']);
    expect(getText(engine, 'd', 'k', 'A')).toBe('unsynced in A');
  });

  it('lock syncs, drops the basis, and every handle bound to it fails BasisLost, even after a re-unlock', () => {
    const { flash, keybox, engine } = device();
    engine.unlockBasis('A', 'pw-a');
    const h = put(engine, 'd', 'k', 'written before lock', 'A');
    const sysHandle = put(engine, 'd', 'k', 'sys', '.System');
    engine.lockBasis('A');
    expect(engine.listBasis()).toEqual(['.System']);
    for (const op of [
      () => engine.readAll(h),
      () => engine.read(h, 0, 1),
      () => engine.write(h, 0, utf8('x')),
      () => engine.truncate(h, 0),
      () => engine.attributes(h),
    ]) {
      const e = expectCode(op, 'BasisLost');
      expect(e.message).toContain("'A'");
    }
    expect(text(engine.readAll(sysHandle))).toBe('sys'); // other bases' handles are unaffected
    engine.unlockBasis('A', 'pw-a');
    expectCode(() => engine.readAll(h), 'BasisLost');
    expect(getText(engine, 'd', 'k')).toBe('written before lock');
    // lock wrote it to flash: a power cut now does not lose it
    const e2 = remount(flash, keybox);
    e2.unlockBasis('A', 'pw-a');
    expect(getText(e2, 'd', 'k')).toBe('written before lock');
  });

  it('locking a basis that is not open: NotFound', () => {
    const { engine } = device();
    expectCode(() => engine.lockBasis('A'), 'NotFound');
    expectCode(() => engine.lockBasis('never made'), 'NotFound');
  });

  it('.System cannot be locked, deleted or unlocked by password', () => {
    const { flash, keybox, engine } = device();
    put(engine, 'd', 'k', 'sys');
    expectCode(() => engine.lockBasis('.System'), 'AccessDenied');
    expectCode(() => engine.deleteBasis('.System'), 'AccessDenied');
    expectCode(() => engine.unlockBasis('.System', 'anything'), 'AccessDenied');
    expect(engine.listBasis()).toEqual(['.System']);
    expect(getText(engine, 'd', 'k')).toBe('sys');
    engine.sync();
    expect(getText(remount(flash, keybox), 'd', 'k')).toBe('sys');
  });

  it('after a remount only .System is open', () => {
    const { flash, keybox, engine } = device();
    engine.unlockBasis('A', 'pw-a');
    engine.sync();
    expect(remount(flash, keybox).listBasis()).toEqual(['.System']);
  });

  it('basis change events: created, unlocked, locked, deleted', () => {
    const { engine } = freshDevice('events');
    const seen: BasisEvent[] = [];
    const off = engine.onBasisChange((e) => seen.push(e));
    engine.createBasis('E', 'pw');
    engine.unlockBasis('E', 'pw');
    engine.lockBasis('E');
    engine.unlockBasis('E', 'pw');
    engine.deleteBasis('E');
    off();
    engine.createBasis('F', 'pw');
    expect(seen).toEqual([
      { kind: 'created', basis: 'E' },
      { kind: 'unlocked', basis: 'E' },
      { kind: 'locked', basis: 'E' },
      { kind: 'unlocked', basis: 'E' },
      { kind: 'deleted', basis: 'E' },
    ]);
  });
});

describe('create, unlock, delete', () => {
  it('createBasis writes the basis but does not open it', () => {
    const { flash, keybox, engine } = freshDevice('create');
    engine.createBasis('S', 'pw');
    expect(engine.listBasis()).toEqual(['.System']);
    expect(engine.latestBasis()).toBe('.System');
    const e2 = remount(flash, keybox);
    e2.unlockBasis('S', 'pw');
    expect(e2.listBasis()).toEqual(['.System', 'S']);
    expect(e2.listDicts('S')).toEqual([]);
  });

  it('same name and password again: DuplicateEntry, whether the basis is locked or open', () => {
    const { engine } = freshDevice('dup');
    engine.createBasis('S', 'pw');
    expectCode(() => engine.createBasis('S', 'pw'), 'DuplicateEntry');
    engine.unlockBasis('S', 'pw');
    put(engine, 'd', 'k', 'v', 'S');
    expectCode(() => engine.createBasis('S', 'pw'), 'DuplicateEntry');
    engine.lockBasis('S');
    expectCode(() => engine.createBasis('S', 'pw'), 'DuplicateEntry');
    engine.unlockBasis('S', 'pw');
    expect(getText(engine, 'd', 'k')).toBe('v'); // the refused creates did not touch it
  });

  it('the same name with another password is another basis', () => {
    const { flash, keybox, engine } = freshDevice('samename');
    engine.createBasis('S', 'one');
    engine.createBasis('S', 'two');
    engine.unlockBasis('S', 'one');
    put(engine, 'd', 'k', 'first', 'S');
    engine.lockBasis('S');
    engine.unlockBasis('S', 'two');
    expect(engine.listDicts('S')).toEqual([]);
    put(engine, 'd', 'k', 'second', 'S');
    // While S(two) is open, a basis S(three) can still be made, and S(one) opened: it replaces the open S.
    engine.createBasis('S', 'three');
    engine.unlockBasis('S', 'one');
    expect(engine.listBasis()).toEqual(['.System', 'S']);
    expect(getText(engine, 'd', 'k')).toBe('first');
    engine.sync();
    const e2 = remount(flash, keybox);
    e2.unlockBasis('S', 'two');
    expect(getText(e2, 'd', 'k')).toBe('second');
    e2.unlockBasis('S', 'three');
    expect(e2.listDicts('S')).toEqual([]);
  });

  it('a wrong password and an absent basis give the same code and the same message', () => {
    const { engine } = freshDevice('deny');
    engine.createBasis('S', 'right');
    const wrong = expectCode(() => engine.unlockBasis('S', 'wrong'), 'AccessDenied');
    const { engine: other } = freshDevice('deny-other');
    const absent = expectCode(() => other.unlockBasis('S', 'right'), 'AccessDenied');
    expect(wrong.message).toBe(absent.message);
    const absentHere = expectCode(() => engine.unlockBasis('T', 'right'), 'AccessDenied');
    expect(absentHere.message).toBe(wrong.message.replace("'S'", "'T'"));
    expect(wrong.message).not.toMatch(/right|wrong/); // never the password
    expect(engine.listBasis()).toEqual(['.System']);
  });

  it('deleteBasis removes the data for good: unlock after delete is NotFound, also after remount', () => {
    const { flash, keybox, engine } = device('delete');
    put(engine, 'd', 'k', 'sys');
    engine.unlockBasis('A', 'pw-a');
    engine.unlockBasis('B', 'pw-b');
    put(engine, 'd', 'k', 'in A', 'A');
    put(engine, 'big', 'k', new Uint8Array(20_000).fill(7), 'A');
    put(engine, 'd', 'k', 'in B', 'B');
    engine.sync();
    const handle = engine.get('d', 'k', { basis: 'A' });
    const freeBefore = engine.freeSpace;
    engine.deleteBasis('A');
    expect(engine.freeSpace).toBeGreaterThan(freeBefore); // its pages went back to FastSpace
    expect(engine.listBasis()).toEqual(['.System', 'B']);
    expectCode(() => engine.readAll(handle), 'BasisLost');
    expectCode(() => engine.unlockBasis('A', 'pw-a'), 'AccessDenied');
    expect(getText(engine, 'd', 'k')).toBe('in B');
    engine.sync();
    const e2 = remount(flash, keybox);
    expectCode(() => e2.unlockBasis('A', 'pw-a'), 'AccessDenied');
    e2.unlockBasis('B', 'pw-b');
    expect(getText(e2, 'd', 'k')).toBe('in B');
    expect(getText(e2, 'd', 'k', '.System')).toBe('sys');
    // The name and password are free again: a new, empty basis.
    e2.createBasis('A', 'pw-a');
    e2.unlockBasis('A', 'pw-a');
    expect(e2.listDicts('A')).toEqual([]);
  });

  it('deleteBasis needs the basis open (NotFound otherwise)', () => {
    const { engine } = device('delete-locked');
    expectCode(() => engine.deleteBasis('A'), 'NotFound');
    engine.unlockBasis('A', 'pw-a');
    engine.deleteBasis('A');
    expectCode(() => engine.deleteBasis('A'), 'NotFound');
  });
});

describe('retention policy ClearAfterSleeps(n)', () => {
  it('locks the basis on its n-th suspend; Persist bases stay', () => {
    const { engine } = device('sleep');
    engine.unlockBasis('A', 'pw-a', { kind: 'clearAfterSleeps', sleeps: 3 });
    engine.unlockBasis('B', 'pw-b', { kind: 'persist' });
    const h = put(engine, 'd', 'k', 'kept', 'A');
    expect(engine.suspend()).toEqual([]);
    expect(engine.suspend()).toEqual([]);
    expect(engine.listBasis()).toEqual(['.System', 'A', 'B']);
    expect(engine.suspend()).toEqual(['A']);
    expect(engine.listBasis()).toEqual(['.System', 'B']);
    expectCode(() => engine.readAll(h), 'BasisLost');
    for (let i = 0; i < 5; i++) expect(engine.suspend()).toEqual([]);
    expect(engine.listBasis()).toEqual(['.System', 'B']);
    // what it held was synced at the lock
    engine.unlockBasis('A', 'pw-a');
    expect(getText(engine, 'd', 'k')).toBe('kept');
  });

  it('ClearAfterSleeps(1) (and 0) lock on the first suspend; a re-unlock restarts the count', () => {
    const { engine } = device('sleep1');
    engine.unlockBasis('A', 'pw-a', { kind: 'clearAfterSleeps', sleeps: 1 });
    engine.unlockBasis('B', 'pw-b', { kind: 'clearAfterSleeps', sleeps: 0 });
    expect(engine.suspend().sort()).toEqual(['A', 'B']);
    engine.unlockBasis('A', 'pw-a', { kind: 'clearAfterSleeps', sleeps: 2 });
    expect(engine.suspend()).toEqual([]);
    engine.unlockBasis('A', 'pw-a', { kind: 'clearAfterSleeps', sleeps: 2 }); // open: moved, count restarted
    expect(engine.suspend()).toEqual([]);
    expect(engine.suspend()).toEqual(['A']);
    // re-unlocking with Persist lifts the policy
    engine.unlockBasis('A', 'pw-a', { kind: 'clearAfterSleeps', sleeps: 1 });
    engine.unlockBasis('A', 'pw-a');
    expect(engine.suspend()).toEqual([]);
    expect(engine.listBasis()).toEqual(['.System', 'A']);
  });

  it('refuses a malformed policy', () => {
    const { engine } = device('sleep-bad');
    for (const policy of [
      { kind: 'clearAfterSleeps', sleeps: -1 },
      { kind: 'clearAfterSleeps', sleeps: 1.5 },
      { kind: 'clearAfterSleeps', sleeps: Number.NaN },
      { kind: 'clearAfterSleeps' },
      { kind: 'sometimes' },
      null,
    ]) {
      expectCode(() => engine.unlockBasis('A', 'pw-a', policy as never), 'InvalidArgument');
    }
    expect(engine.listBasis()).toEqual(['.System']);
    engine.unlockBasis('A', 'pw-a', { kind: 'clearAfterSleeps', sleeps: 2 });
    expect(engine.listBasis()).toEqual(['.System', 'A']);
  });
});

it('every error in this file is a PddbError (sanity of expectCode)', () => {
  const { engine } = freshDevice('sanity');
  expect(() => engine.get('x', 'y')).toThrow(PddbError);
});
