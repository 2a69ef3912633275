// Deleted and overwritten values must leave flash with the sync that drops them: a later reader holding the
// basis key (or the original's tools with a hosted dump) must not find them in the basis's live pages.
import { describe, expect, it } from 'vitest';
import { ecbDecrypt } from '../../../pddb/crypto/ecb.ts';
import { PAGE_SIZE, PTE_SIZE } from '../../../pddb/format/constants.ts';
import { openDataPage, pageAad } from '../../../pddb/format/datapage.ts';
import { decodePte } from '../../../pddb/format/pte.ts';
import type { PddbEngine } from '../../../pddb/engine/engine.ts';
import type { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { freshDevice, put, reboot, utf8 } from './helpers.ts';

/** Every plaintext byte of every page the basis maps on flash, concatenated. */
function livePlaintext(engine: PddbEngine, flash: MemoryFlash, basis: string): string {
  const { keys } = engine.exportKeys().find((b) => b.name === basis)!;
  const layout = engine.layout;
  const plain = ecbDecrypt(keys.pt, flash.read(layout.ptOffset, layout.dataPages * PTE_SIZE));
  const parts: string[] = [];
  for (let phys = 0; phys < layout.dataPages; phys++) {
    if (!decodePte(plain, phys * PTE_SIZE)) continue;
    const page = openDataPage(
      keys.data,
      flash.read(layout.dataOffset + phys * PAGE_SIZE, PAGE_SIZE),
      pageAad(basis, 0n),
    );
    if (page) parts.push(Buffer.from(page.data).toString('latin1'));
  }
  return parts.join('');
}

describe('scrubbing superseded small values', () => {
  it.each(['.System', 'hidden'])('delete, overwrite and truncate leave no old bytes in %s after one sync', (basis) => {
    const { flash, keybox, engine } = freshDevice('scrub');
    if (basis !== '.System') {
      engine.createBasis(basis, 'pw');
      engine.unlockBasis(basis, 'pw');
    }
    put(engine, 'd', 'gone', 'SECRET-DELETED-VALUE');
    put(engine, 'd', 'over', 'SECRET-OLD-VALUE');
    put(engine, 'd', 'cut', 'keep-SECRET-TAIL');
    put(engine, 'd', 'stay', 'still-here');
    engine.sync();
    expect(livePlaintext(engine, flash, basis)).toContain('SECRET-DELETED-VALUE');
    engine.deleteKey('d', 'gone', basis);
    engine.write(engine.get('d', 'over', { basis }), 0, utf8('NEW-VALUE-LONGER-THAN-BEFORE'));
    engine.truncate(engine.get('d', 'cut', { basis }), 4);
    engine.sync();
    const live = livePlaintext(engine, flash, basis);
    expect(live).not.toContain('SECRET-DELETED-VALUE');
    expect(live).not.toContain('SECRET-OLD');
    expect(live).not.toContain('SECRET-TAIL');
    expect(live).toContain('NEW-VALUE-LONGER-THAN-BEFORE');
    expect(live).toContain('still-here');
    // and the values the user kept are intact after a power cycle
    const { engine: again } = reboot(flash, keybox);
    if (basis !== '.System') again.unlockBasis(basis, 'pw');
    expect(Buffer.from(again.readAll(again.get('d', 'cut'))).toString()).toBe('keep');
    expect(Buffer.from(again.readAll(again.get('d', 'stay'))).toString()).toBe('still-here');
  });

  it('a key created and written before its first sync takes one range (no hole, nothing to scrub)', () => {
    const { engine } = freshDevice('scrub2');
    const h = put(engine, 'd', 'k', 'x'.repeat(100));
    const a = engine.attributes(h);
    expect(a.reserved).toBe(100);
    const h2 = put(engine, 'd', 'k2', 'y'.repeat(10));
    engine.sync();
    expect(engine.attributes(h2).reserved).toBe(10);
  });
});
