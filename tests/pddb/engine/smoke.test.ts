import { describe, expect, it } from 'vitest';
import { freshDevice, remount, text, utf8 } from './helpers.ts';

describe('engine smoke', () => {
  it('formats, mounts, writes, syncs, remounts', () => {
    const { flash, keybox, engine } = freshDevice();
    expect(engine.listBasis()).toEqual(['.System']);
    const h = engine.get('vault.totp', 'abc', { createDict: true, createKey: true });
    engine.write(h, 0, utf8('hello world'));
    engine.sync();
    expect(text(engine.readAll(h))).toBe('hello world');
    const e2 = remount(flash, keybox);
    expect(e2.listDicts()).toEqual(['vault.totp']);
    expect(text(e2.readAll(e2.get('vault.totp', 'abc')))).toBe('hello world');
  });

  it('secret basis round trip', () => {
    const { flash, keybox, engine } = freshDevice();
    engine.createBasis('hidden', 'pw');
    engine.unlockBasis('hidden', 'pw');
    const h = engine.get('d', 'k', { createDict: true, createKey: true });
    engine.write(h, 0, utf8('secret'));
    engine.sync();
    const e2 = remount(flash, keybox);
    expect(e2.listDicts()).toEqual([]);
    expect(() => e2.unlockBasis('hidden', 'wrong')).toThrow(/AccessDenied/);
    e2.unlockBasis('hidden', 'pw');
    expect(text(e2.readAll(e2.get('d', 'k')))).toBe('secret');
  });
});
