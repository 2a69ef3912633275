// churn: every page of the open bases moves to a fresh physical page, the free-space cache gets fresh noise, and
// no value changes.
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PTE_SIZE } from '../../../pddb/format/constants.ts';
import { ecbDecrypt } from '../../../pddb/crypto/ecb.ts';
import { decodePte } from '../../../pddb/format/pte.ts';
import type { PddbEngine } from '../../../pddb/engine/engine.ts';
import type { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { freshDevice, put, reboot, text } from './helpers.ts';

function physPages(engine: PddbEngine, flash: MemoryFlash, basis: string): Set<number> {
  const { keys } = engine.exportKeys().find((b) => b.name === basis)!;
  const plain = ecbDecrypt(keys.pt, flash.read(engine.layout.ptOffset, engine.layout.dataPages * PTE_SIZE));
  const out = new Set<number>();
  for (let p = 0; p < engine.layout.dataPages; p++) if (decodePte(plain, p * PTE_SIZE)) out.add(p);
  return out;
}

describe('churn', () => {
  it('moves every page of every open basis, refreshes free-page noise, and keeps every value', () => {
    const { flash, keybox, engine } = freshDevice('churn');
    engine.createBasis('S', 'pw');
    engine.unlockBasis('S', 'pw');
    put(engine, 'sys', 'a', 'system value', '.System');
    put(engine, 'sec', 'b', 'secret value', 'S');
    put(engine, 'sec', 'big', 'x'.repeat(10_000), 'S');
    engine.sync();
    const before = { sys: physPages(engine, flash, '.System'), sec: physPages(engine, flash, 'S') };
    const image = flash.snapshot();
    engine.churn();
    const after = { sys: physPages(engine, flash, '.System'), sec: physPages(engine, flash, 'S') };
    expect(after.sys.size).toBe(before.sys.size);
    expect(after.sec.size).toBe(before.sec.size);
    for (const p of after.sys) expect(before.sys.has(p)).toBe(false);
    for (const p of after.sec) expect(before.sec.has(p)).toBe(false);
    // Pages no basis maps, before and after, were rewritten too (fresh noise) where the free-space cache lists them.
    const layout = engine.layout;
    const mapped = new Set([...before.sys, ...before.sec, ...after.sys, ...after.sec]);
    let refreshed = 0;
    for (let p = 0; p < layout.dataPages; p++) {
      if (mapped.has(p)) continue;
      const at = layout.dataOffset + p * PAGE_SIZE;
      if (!Buffer.from(image.subarray(at, at + PAGE_SIZE)).equals(Buffer.from(flash.read(at, PAGE_SIZE)))) refreshed++;
    }
    expect(refreshed).toBeGreaterThan(layout.dataPages / 4);
    const { engine: again } = reboot(flash, keybox);
    again.unlockBasis('S', 'pw');
    expect(text(again.readAll(again.get('sys', 'a')))).toBe('system value');
    expect(text(again.readAll(again.get('sec', 'b')))).toBe('secret value');
    expect(text(again.readAll(again.get('sec', 'big')))).toBe('x'.repeat(10_000));
  });
});
