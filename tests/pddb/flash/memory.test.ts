import { describe, expect, it } from 'vitest';
import { FlashError } from '../../../pddb/flash/errors.ts';
import { SECTOR_SIZE } from '../../../pddb/flash/flash.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { expectFlashError, filled, pattern } from './helpers.ts';

describe('MemoryFlash', () => {
  it('takes an initial fill', () => {
    expect(new MemoryFlash(SECTOR_SIZE, { fill: 0 }).read(0, SECTOR_SIZE)).toEqual(new Uint8Array(SECTOR_SIZE));
    expect(new MemoryFlash(SECTOR_SIZE, { fill: 0x5a }).read(0, 8)).toEqual(filled(8, 0x5a));
  });

  it('rejects bad sizes and fills', () => {
    for (const size of [0, -SECTOR_SIZE, 100, SECTOR_SIZE + 1, 1.5 * SECTOR_SIZE, Number.NaN]) {
      expectFlashError(() => new MemoryFlash(size), 'BadArgument');
    }
    for (const fill of [-1, 256, 0.5]) expectFlashError(() => new MemoryFlash(SECTOR_SIZE, { fill }), 'BadArgument');
  });

  it('from() copies the image; snapshot() copies the device', () => {
    const image = pattern(2 * SECTOR_SIZE, 9);
    const f = MemoryFlash.from(image);
    expect(f.size).toBe(2 * SECTOR_SIZE);
    expect(f.read(0, f.size)).toEqual(image);
    image.fill(0);
    expect(f.read(0, 4)).not.toEqual(new Uint8Array(4));
    const snap = f.snapshot();
    f.erase(0);
    expect(snap.subarray(0, SECTOR_SIZE)).toEqual(pattern(2 * SECTOR_SIZE, 9).subarray(0, SECTOR_SIZE));
    expect(MemoryFlash.from(snap).read(0, f.size)).toEqual(snap);
    // A fresh device from an image starts with zero counters.
    expect(MemoryFlash.from(snap).stats).toEqual({ erases: 0, programs: 0, bytesProgrammed: 0 });
  });

  it('from() rejects images of a bad size, and non-bytes', () => {
    for (const n of [0, 1, SECTOR_SIZE - 1, SECTOR_SIZE + 1]) {
      expectFlashError(() => MemoryFlash.from(new Uint8Array(n)), 'BadImageSize');
    }
    expectFlashError(() => MemoryFlash.from('abc' as unknown as Uint8Array), 'BadArgument');
  });

  it('snapshot() still works after close', () => {
    const f = new MemoryFlash(SECTOR_SIZE);
    f.program(0, Uint8Array.of(1));
    f.close();
    expect(f.snapshot()[0]).toBe(1);
  });

  it('a Buffer is accepted as data and as a readInto target', () => {
    const f = new MemoryFlash(SECTOR_SIZE);
    f.program(0, Buffer.from([1, 2, 3]));
    const out = Buffer.alloc(3);
    f.readInto(0, out);
    expect([...out]).toEqual([1, 2, 3]);
  });

  it('errors are FlashErrors with a code and a readable message', () => {
    const e = expectFlashError(
      () => new MemoryFlash(2 * SECTOR_SIZE).program(4090, new Uint8Array(10)),
      'CrossesSector',
    );
    expect(e).toBeInstanceOf(FlashError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('FlashError');
    expect(e.message).toMatch(/^CrossesSector: program: bytes \[4090, 4100\) span sectors 0\.\.1$/);
  });
});
