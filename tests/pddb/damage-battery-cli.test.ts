// The damaged-image battery through the command line: a device folder made and filled by `pvault`, damaged, then
// read with `pvault pddb query`. Every outcome is exit 0 with the exact value, or exit 1 with a typed code (never
// InternalError / exit 70, never a wrong value with exit 0); damage to a file names the file.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom, randomBytes } from '../../lib/random.ts';
import { PddbEngine } from '../../pddb/engine/engine.ts';
import { MemoryFlash } from '../../pddb/flash/memory.ts';
import { PAGE_SIZE, PTE_SIZE } from '../../pddb/format/constants.ts';
import { computeLayout } from '../../pddb/format/layout.ts';
import { mapImage, type ImageMap } from '../../scripts/lib/image-map.ts';

const bin = new URL('../../bin/pvault.js', import.meta.url).pathname;
const PIN = '3579';
const SLOW = { timeout: 120_000 };
const work = mkdtempSync(join(tmpdir(), 'pvault-battery-cli-'));
const dev = join(work, 'dev');
const values = new Map([
  ['.System/notes/small', randomBytes(new SeededRandom('cli-small'), 8)],
  ['.System/notes/big', randomBytes(new SeededRandom('cli-big'), 50_000)],
]);
let map: ImageMap;

function pvault(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH, PVAULT_PIN: PIN },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const init = pvault(['init', '--dir', dev, '--size', '4MiB', '--json']);
  expect(init.status, init.stderr).toBe(0);
  for (const [path, v] of values) {
    const file = join(work, `${path.split('/')[2]}.bin`);
    writeFileSync(file, v);
    const w = pvault(['pddb', 'writeover', '--dir', dev, '--json', '--file', file, path.split('/').slice(1).join(':')]);
    expect(w.status, w.stdout + w.stderr).toBe(0);
  }
  const image = new Uint8Array(readFileSync(join(dev, 'pddb.bin')));
  const flash = MemoryFlash.from(image);
  const engine = PddbEngine.mount(flash, new Uint8Array(readFileSync(join(dev, 'keybox.bin'))), PIN);
  map = mapImage(engine, flash, computeLayout(image.length), values);
}, SLOW.timeout);
afterAll(() => rmSync(work, { recursive: true, force: true }));

let copies = 0;
/** A copy of the device folder, damaged by `edit`. */
function damaged(edit: (folder: string) => void): string {
  const folder = join(work, `copy${copies++}`);
  cpSync(dev, folder, { recursive: true });
  edit(folder);
  return folder;
}
const flipByte = (file: string, at: number) => {
  const bytes = readFileSync(file);
  bytes[at] ^= 0x01;
  writeFileSync(file, bytes);
};
const layout = () => computeLayout(readFileSync(join(dev, 'pddb.bin')).length);

/** Query every value: each is exact with exit 0, or exit 1 with a typed code; returns the codes seen. */
function queryAll(folder: string): string[] {
  const codes: string[] = [];
  for (const [path, want] of values) {
    const out = join(folder, '..', `${folder.split('/').pop()}-out.bin`);
    rmSync(out, { force: true });
    const r = pvault(['pddb', 'query', '--dir', folder, '--json', '--out', out, path.split('/').slice(1).join(':')]);
    if (r.status === 0) {
      expect(Buffer.from(readFileSync(out)).equals(Buffer.from(want)), `${path}: exit 0 with a WRONG value`).toBe(true);
      codes.push('ok');
      continue;
    }
    expect(r.status, `${path}: ${r.stdout}${r.stderr}`).toBe(1);
    const code = (JSON.parse(r.stdout) as { error: { code: string } }).error.code;
    expect(code, `${path}: ${r.stdout}`).not.toBe('InternalError');
    codes.push(code);
  }
  return codes;
}

describe('damaged device folders through pvault: exit 0 with the exact value, or exit 1 with a typed code', () => {
  it('a flipped page-table entry of the page holding a small key', SLOW, () => {
    const folder = damaged((f) =>
      flipByte(join(f, 'pddb.bin'), layout().ptOffset + map.valuePages.get('.System/notes/small')![0] * PTE_SIZE + 3),
    );
    queryAll(folder);
  });

  it('a flipped page-table entry of a page of a 50 KB key', SLOW, () => {
    const folder = damaged((f) =>
      flipByte(join(f, 'pddb.bin'), layout().ptOffset + map.valuePages.get('.System/notes/big')![4] * PTE_SIZE + 8),
    );
    queryAll(folder);
  });

  it('a flipped byte in a data page of the 50 KB key', SLOW, () => {
    const folder = damaged((f) =>
      flipByte(join(f, 'pddb.bin'), layout().dataOffset + map.valuePages.get('.System/notes/big')![2] * PAGE_SIZE + 99),
    );
    queryAll(folder);
  });

  it('pddb.bin cut short by 100 bytes: a typed error that names the file', SLOW, () => {
    const folder = damaged((f) => truncateSync(join(f, 'pddb.bin'), readFileSync(join(f, 'pddb.bin')).length - 100));
    const r = pvault(['pddb', 'query', '--dir', folder, '--json', 'notes:small']);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    const error = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
    expect(error.code).not.toBe('InternalError');
    expect(error.message).toMatch(/pddb\.bin/);
  });

  it('keybox.bin with a flipped word of the wrapped key: a typed error, not a crash', SLOW, () => {
    const folder = damaged((f) => flipByte(join(f, 'keybox.bin'), 40 * 4 + 2));
    expect(queryAll(folder).every((c) => c !== 'ok')).toBe(true);
  });

  it('keybox.bin cut short: a typed error that names the file', SLOW, () => {
    const folder = damaged((f) => truncateSync(join(f, 'keybox.bin'), 1000));
    const r = pvault(['pddb', 'query', '--dir', folder, '--json', 'notes:small']);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    const error = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
    expect(error.code).not.toBe('InternalError');
    expect(error.message).toMatch(/keybox/);
  });
});
