// Issue 6 #3 end to end: the real `pvault` on a real device folder. One flipped byte in the page-table entry of a
// small key's page: `query` fails (exit 1, BadImage) instead of printing NUL bytes, `churn` does not turn the
// damage into data, and `pddb check` / `consistency` report it (exit 1; --json gives the report).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../lib/random.ts';
import type { Catalog } from '../../../pddb/engine/catalog.ts';
import { PddbEngine } from '../../../pddb/engine/engine.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { PTE_SIZE, VPAGE_SIZE } from '../../../pddb/format/constants.ts';
import { PIN, run, workspace } from '../../bin/pvault-run.ts';

const ws = workspace();
afterAll(() => ws.cleanup());

/** Flip one byte of the page-table entry of the page holding `dict:key` in .System. */
function damagePte(dir: string, dict: string, key: string): void {
  const path = join(dir, 'pddb.bin');
  const image = new Uint8Array(readFileSync(path));
  const engine = PddbEngine.mount(MemoryFlash.from(image), new Uint8Array(readFileSync(join(dir, 'keybox.bin'))), PIN, {
    random: new SeededRandom('check-cli'),
  });
  const system = (engine as unknown as { stack: Catalog[] }).stack[0];
  const entry = system.dict(dict)!.keys.get(key)!;
  const phys = system.basis.mapping.get(Math.floor(entry.start / VPAGE_SIZE))!.phys;
  image[engine.layout.ptOffset + phys * PTE_SIZE + 5] ^= 0x40;
  writeFileSync(path, image);
}

describe('pvault pddb check', { timeout: 120_000 }, () => {
  it('a clean device: exit 0, ok; a damaged PTE: query exit 1 BadImage, check and consistency exit 1 with the report', () => {
    const dir = ws.fresh();
    expect(run(['pddb', 'write', '--dir', dir, 'd:small', 'abcdefgh']).status).toBe(0);
    expect(run(['pddb', 'write', '--dir', dir, 'd:other', 'intact']).status).toBe(0);
    const clean = run(['pddb', 'check', '--dir', dir, '--json']);
    expect(clean.status, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ ok: true, pages: [], keys: [] });

    damagePte(dir, 'd', 'small');
    const query = run(['pddb', 'query', '--dir', dir, 'd:small']);
    expect(query.status).toBe(1);
    expect(query.stdout).toBe('');
    expect(query.stderr).toMatch(/BadImage|missing from the page table/);

    const report = run(['pddb', 'check', '--dir', dir, '--json']);
    expect(report.status).toBe(1);
    const r = JSON.parse(report.stdout);
    expect(r.ok).toBe(false);
    expect(r.pages).toMatchObject([{ basis: '.System', state: 'missing' }]);
    expect(r.keys.map((k: { key: string }) => k.key).sort()).toEqual(['other', 'small']); // one pool page
    expect(r.keys[0]).toMatchObject({ readable: 0, badPages: 1 });
    expect(report.stdout).not.toContain('abcdefgh');

    // churn rewrites what it can read; the damage stays an error, never zeros.
    run(['pddb', 'churn', '--dir', dir]);
    expect(run(['pddb', 'query', '--dir', dir, 'd:small']).status).toBe(1);
    const text = run(['pddb', 'consistency', '--dir', dir]);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(
      /damaged: basis '.System', page \d+ missing: key '(small|other)' of dict 'd' and 1 more key\(s\)/,
    );
    expect(text.stdout).toMatch(/key d:small in '.System': 0 of 8 bytes readable, 1 bad page\(s\)/);
  });
});
