import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFlash } from '../../../pddb/flash/file.ts';
import { SECTOR_SIZE } from '../../../pddb/flash/flash.ts';
import { expectFlashError, filled, pattern } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'pvault-flash-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(dir, `img-${n++}.bin`);

/** Open descriptors of this process (Linux); null where /proc is absent. */
function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}

describe('FileFlash', () => {
  it('creates an erased image of exactly the size asked', () => {
    const path = fresh();
    const f = FileFlash.create(path, 3 * SECTOR_SIZE);
    expect(f.size).toBe(3 * SECTOR_SIZE);
    f.close();
    expect(readFileSync(path)).toEqual(Buffer.from(filled(3 * SECTOR_SIZE, 0xff)));
  });

  it('create takes a fill; a size above the 1 MiB write chunk is written completely', () => {
    const path = fresh();
    const size = (1 << 20) + 3 * SECTOR_SIZE;
    FileFlash.create(path, size, { fill: 0 }).close();
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(size);
    expect(bytes.every((b) => b === 0)).toBe(true);
  });

  it('round trips across close and reopen, and the file holds exactly the device bytes', () => {
    const path = fresh();
    const a = FileFlash.create(path, 4 * SECTOR_SIZE);
    const page = pattern(SECTOR_SIZE, 11);
    a.program(SECTOR_SIZE, page);
    a.program(10, Uint8Array.of(0xf0));
    a.program(10, Uint8Array.of(0x3c));
    a.erase(3);
    a.program(3 * SECTOR_SIZE + 100, pattern(50, 2));
    a.sync();
    const expected = a.read(0, a.size);
    a.close();

    const onDisk = new Uint8Array(readFileSync(path));
    expect(onDisk).toEqual(expected);
    expect(onDisk[10]).toBe(0x30);
    expect(onDisk.subarray(SECTOR_SIZE, 2 * SECTOR_SIZE)).toEqual(page);

    const b = FileFlash.open(path);
    expect(b.size).toBe(4 * SECTOR_SIZE);
    expect(b.read(0, b.size)).toEqual(expected);
    // Wear counters are per open device, not stored in the image.
    expect(b.stats).toEqual({ erases: 0, programs: 0, bytesProgrammed: 0 });
    b.program(10, Uint8Array.of(0x0f));
    b.sync();
    b.close();
    expect(FileFlash.open(path, { readonly: true }).read(10, 1)).toEqual(Uint8Array.of(0x00));
  });

  it('opens an image written by something else (a raw pddb.bin)', () => {
    const path = fresh();
    const image = pattern(2 * SECTOR_SIZE, 21);
    writeFileSync(path, image);
    const f = FileFlash.open(path);
    const all = new Uint8Array(f.size);
    f.readInto(0, all);
    expect(all).toEqual(image);
    f.close();
  });

  it('refuses to create over an existing file unless told to overwrite', () => {
    const path = fresh();
    writeFileSync(path, filled(SECTOR_SIZE, 0x11));
    expectFlashError(() => FileFlash.create(path, SECTOR_SIZE), 'Exists');
    expect(readFileSync(path)[0]).toBe(0x11);
    const f = FileFlash.create(path, 2 * SECTOR_SIZE, { overwrite: true });
    expect(f.read(0, f.size)).toEqual(filled(2 * SECTOR_SIZE, 0xff));
    f.close();
  });

  it('rejects bad create arguments without leaving a file', () => {
    for (const size of [0, 100, SECTOR_SIZE + 1, -SECTOR_SIZE]) {
      const path = fresh();
      expectFlashError(() => FileFlash.create(path, size), 'BadArgument');
      expect(() => readFileSync(path)).toThrow();
    }
    const path = fresh();
    expectFlashError(() => FileFlash.create(path, SECTOR_SIZE, { fill: 300 }), 'BadArgument');
    expect(() => readFileSync(path)).toThrow();
    expectFlashError(() => FileFlash.create(join(dir, 'no-such-dir', 'x.bin'), SECTOR_SIZE), 'NotFound');
  });

  it('open of a file of a bad size (empty, not a multiple of 4096, truncated) fails with BadImageSize, leaking no descriptor', () => {
    const before = openFds();
    for (const size of [0, 1, SECTOR_SIZE - 1, SECTOR_SIZE + 1, 3 * SECTOR_SIZE - 512]) {
      const path = fresh();
      writeFileSync(path, new Uint8Array(size));
      const e = expectFlashError(() => FileFlash.open(path), 'BadImageSize');
      expect(e.message).toContain(String(size));
      expectFlashError(() => FileFlash.open(path, { readonly: true }), 'BadImageSize');
    }
    // A good image, truncated by a partial copy.
    const path = fresh();
    FileFlash.create(path, 4 * SECTOR_SIZE).close();
    truncateSync(path, 4 * SECTOR_SIZE - 100);
    expectFlashError(() => FileFlash.open(path), 'BadImageSize');
    if (before !== null) expect(openFds()).toBe(before);
  });

  it('open of a missing path or a directory fails with a typed error', () => {
    expectFlashError(() => FileFlash.open(join(dir, 'missing.bin')), 'NotFound');
    const sub = join(dir, 'a-dir');
    mkdirSync(sub);
    expectFlashError(() => FileFlash.open(sub, { readonly: true }), 'NotAFile');
    expectFlashError(() => FileFlash.open(sub), 'NotAFile');
  });

  it('read-only: reads work, erase/program/sync are refused, the file is untouched', () => {
    const path = fresh();
    const w = FileFlash.create(path, SECTOR_SIZE);
    w.program(0, Uint8Array.of(0x42));
    w.close();
    const r = FileFlash.open(path, { readonly: true });
    expect(r.readOnly).toBe(true);
    expect(r.read(0, 1)).toEqual(Uint8Array.of(0x42));
    expectFlashError(() => r.erase(0), 'ReadOnly');
    expectFlashError(() => r.program(1, Uint8Array.of(0)), 'ReadOnly');
    r.sync();
    expect(r.stats).toEqual({ erases: 0, programs: 0, bytesProgrammed: 0 });
    r.close();
    expect(readFileSync(path)[0]).toBe(0x42);
    expect(readFileSync(path)[1]).toBe(0xff);
  });

  it('an image truncated while open gives an Io error on read, not a crash', () => {
    const path = fresh();
    const f = FileFlash.create(path, 2 * SECTOR_SIZE);
    truncateSync(path, SECTOR_SIZE);
    expect(f.read(0, SECTOR_SIZE)).toEqual(filled(SECTOR_SIZE, 0xff));
    expectFlashError(() => f.read(SECTOR_SIZE, 10), 'Io');
    expectFlashError(() => f.program(SECTOR_SIZE, Uint8Array.of(0)), 'Io');
    f.close();
  });

  it('the same file opened twice sees the other handle programs (no cache)', () => {
    const path = fresh();
    const a = FileFlash.create(path, SECTOR_SIZE);
    const b = FileFlash.open(path);
    a.program(5, Uint8Array.of(0x77));
    expect(b.read(5, 1)).toEqual(Uint8Array.of(0x77));
    a.close();
    b.close();
  });

  it('close releases the descriptor', () => {
    const path = fresh();
    const before = openFds();
    const f = FileFlash.create(path, SECTOR_SIZE);
    if (before !== null) expect(openFds()).toBe(before + 1);
    f.close();
    if (before !== null) expect(openFds()).toBe(before);
    // The path can be reopened and removed freely.
    closeSync(openSync(path, 'r'));
  });
});
