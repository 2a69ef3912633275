// The Flash contract, run against every implementation: NOR semantics, copies, bounds, stats, close.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SeededRandom, randomBelow, randomBytes } from '../../../lib/random.ts';
import { FaultyFlash } from '../../../pddb/flash/faulty.ts';
import { FileFlash } from '../../../pddb/flash/file.ts';
import type { Flash, FlashStats } from '../../../pddb/flash/flash.ts';
import { SECTOR_SIZE } from '../../../pddb/flash/flash.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { expectBytes, expectFlashError, filled, pattern } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'pvault-flash-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

type Resettable = Flash & { resetStats(): void };
const SECTORS = 4;
const SIZE = SECTORS * SECTOR_SIZE;

const makers: Array<[string, () => Resettable]> = [
  ['MemoryFlash', () => new MemoryFlash(SIZE)],
  ['FileFlash', () => FileFlash.create(join(dir, `img-${files++}.bin`), SIZE)],
  ['FaultyFlash (no cut) over MemoryFlash', () => new FaultyFlash(new MemoryFlash(SIZE))],
];

describe.each(makers)('%s', (_name, make) => {
  it('starts erased: every byte 0xFF, zero stats', () => {
    const f = make();
    expect(f.size).toBe(SIZE);
    expect(f.read(0, SIZE)).toEqual(filled(SIZE, 0xff));
    expect(f.stats).toEqual({ erases: 0, programs: 0, bytesProgrammed: 0 });
    f.close();
  });

  it('program after program ANDs bits; erase restores 0xFF', () => {
    const f = make();
    f.program(10, Uint8Array.of(0xf0, 0x0f, 0xaa));
    expect(f.read(10, 3)).toEqual(Uint8Array.of(0xf0, 0x0f, 0xaa));
    f.program(10, Uint8Array.of(0x3c, 0xff, 0x55));
    expect(f.read(10, 3)).toEqual(Uint8Array.of(0x30, 0x0f, 0x00));
    // Programming 0xFF over programmed bytes cannot set bits again.
    f.program(10, Uint8Array.of(0xff, 0xff, 0xff));
    expect(f.read(10, 3)).toEqual(Uint8Array.of(0x30, 0x0f, 0x00));
    // Neighbours untouched.
    expect(f.read(9, 1)).toEqual(Uint8Array.of(0xff));
    expect(f.read(13, 1)).toEqual(Uint8Array.of(0xff));
    f.erase(0);
    expect(f.read(0, SECTOR_SIZE)).toEqual(filled(SECTOR_SIZE, 0xff));
    f.program(10, Uint8Array.of(0x3c));
    expect(f.read(10, 1)).toEqual(Uint8Array.of(0x3c));
    f.close();
  });

  it('erase touches exactly one sector', () => {
    const f = make();
    const page = pattern(SECTOR_SIZE, 7);
    for (let s = 0; s < SECTORS; s++) f.program(s * SECTOR_SIZE, page);
    f.erase(2);
    for (let s = 0; s < SECTORS; s++) {
      expect(f.read(s * SECTOR_SIZE, SECTOR_SIZE)).toEqual(s === 2 ? filled(SECTOR_SIZE, 0xff) : page);
    }
    f.close();
  });

  it('programs whole sectors, the first and the last byte of the device', () => {
    const f = make();
    const page = pattern(SECTOR_SIZE, 3);
    f.program((SECTORS - 1) * SECTOR_SIZE, page);
    expect(f.read((SECTORS - 1) * SECTOR_SIZE, SECTOR_SIZE)).toEqual(page);
    f.program(0, Uint8Array.of(0x01));
    f.erase(SECTORS - 1);
    f.program(SIZE - 1, Uint8Array.of(0x02));
    expect(f.read(0, 1)).toEqual(Uint8Array.of(0x01));
    expect(f.read(SIZE - 1, 1)).toEqual(Uint8Array.of(0x02));
    f.close();
  });

  it('read returns a copy, and program does not keep the caller buffer', () => {
    const f = make();
    const data = pattern(64, 5);
    const kept = data.slice();
    f.program(100, data);
    data.fill(0);
    const r = f.read(100, 64);
    expect(r).toEqual(kept);
    r.fill(0);
    expect(f.read(100, 64)).toEqual(kept);
    f.close();
  });

  it('readInto fills the whole buffer across sectors, and reads of length 0 are fine', () => {
    const f = make();
    for (let s = 0; s < SECTORS; s++) f.program(s * SECTOR_SIZE, pattern(SECTOR_SIZE, s + 1));
    const all = new Uint8Array(SIZE);
    f.readInto(0, all);
    for (let s = 0; s < SECTORS; s++) {
      expect(all.subarray(s * SECTOR_SIZE, (s + 1) * SECTOR_SIZE)).toEqual(pattern(SECTOR_SIZE, s + 1));
    }
    const mid = new Uint8Array(SECTOR_SIZE);
    f.readInto(SECTOR_SIZE / 2, mid);
    expect(mid).toEqual(all.subarray(SECTOR_SIZE / 2, SECTOR_SIZE / 2 + SECTOR_SIZE));
    // A view into a larger buffer is filled in place, leaving the rest of the buffer alone.
    const big = filled(100, 0xee);
    f.readInto(0, big.subarray(10, 20));
    expect(big.subarray(10, 20)).toEqual(all.subarray(0, 10));
    expect(big[9]).toBe(0xee);
    expect(big[20]).toBe(0xee);
    expect(f.read(SIZE, 0)).toEqual(new Uint8Array(0));
    f.readInto(SIZE, new Uint8Array(0));
    f.close();
  });

  it('rejects out-of-bounds and malformed calls with typed errors, changing nothing', () => {
    const f = make();
    f.program(0, Uint8Array.of(0x5a));
    const before = f.read(0, SIZE);
    const stats = f.stats;
    expectFlashError(() => f.read(-1, 1), 'BadArgument');
    expectFlashError(() => f.read(0.5, 1), 'BadArgument');
    expectFlashError(() => f.read(Number.NaN, 1), 'BadArgument');
    expectFlashError(() => f.read(0, -1), 'BadArgument');
    expectFlashError(() => f.read('0' as unknown as number, 1), 'BadArgument');
    expectFlashError(() => f.read(SIZE - 1, 2), 'OutOfBounds');
    expectFlashError(() => f.read(SIZE + 1, 0), 'OutOfBounds');
    expectFlashError(() => f.read(0, Number.MAX_SAFE_INTEGER), 'OutOfBounds');
    expectFlashError(() => f.read(2 ** 60, 1), 'BadArgument');
    expectFlashError(() => f.readInto(SIZE - 4, new Uint8Array(5)), 'OutOfBounds');
    expectFlashError(() => f.readInto(0, [1, 2] as unknown as Uint8Array), 'BadArgument');
    expectFlashError(() => f.erase(-1), 'BadArgument');
    expectFlashError(() => f.erase(1.5), 'BadArgument');
    expectFlashError(() => f.erase(SECTORS), 'OutOfBounds');
    expectFlashError(() => f.erase(undefined as unknown as number), 'BadArgument');
    expectFlashError(() => f.program(SECTOR_SIZE - 1, Uint8Array.of(0, 0)), 'CrossesSector');
    expectFlashError(() => f.program(0, new Uint8Array(SECTOR_SIZE + 1)), 'CrossesSector');
    expectFlashError(() => f.program(SIZE - 1, Uint8Array.of(0, 0)), 'OutOfBounds');
    expectFlashError(() => f.program(SIZE, Uint8Array.of(0)), 'OutOfBounds');
    expectFlashError(() => f.program(-4, Uint8Array.of(0)), 'BadArgument');
    expectFlashError(() => f.program(0, new Uint8Array(0)), 'BadArgument');
    expectFlashError(() => f.program(0, [0] as unknown as Uint8Array), 'BadArgument');
    expectFlashError(() => f.program(0, null as unknown as Uint8Array), 'BadArgument');
    expectFlashError(() => f.sectorWear(SECTORS), 'OutOfBounds');
    expectFlashError(() => f.sectorWear(-1), 'BadArgument');
    expect(f.read(0, SIZE)).toEqual(before);
    expect(f.stats).toEqual(stats);
    f.close();
  });

  it('counts erases, programs and bytes exactly, per sector and in total; resetStats zeroes them', () => {
    const f = make();
    f.erase(0);
    f.erase(0);
    f.erase(3);
    f.program(0, new Uint8Array(100));
    f.program(SECTOR_SIZE - 1, new Uint8Array(1));
    f.program(3 * SECTOR_SIZE, new Uint8Array(SECTOR_SIZE));
    f.program(SECTOR_SIZE + 5, new Uint8Array(7));
    f.read(0, SIZE);
    f.readInto(0, new Uint8Array(SIZE));
    f.sync();
    const s: FlashStats = f.stats;
    expect(s).toEqual({ erases: 3, programs: 4, bytesProgrammed: 100 + 1 + SECTOR_SIZE + 7 });
    expect(f.sectorWear(0)).toEqual({ erases: 2, programs: 2 });
    expect(f.sectorWear(1)).toEqual({ erases: 0, programs: 1 });
    expect(f.sectorWear(2)).toEqual({ erases: 0, programs: 0 });
    expect(f.sectorWear(3)).toEqual({ erases: 1, programs: 1 });
    // stats is a snapshot, not a live view.
    f.erase(1);
    expect(s.erases).toBe(3);
    expect(f.stats.erases).toBe(4);
    f.resetStats();
    expect(f.stats).toEqual({ erases: 0, programs: 0, bytesProgrammed: 0 });
    for (let i = 0; i < SECTORS; i++) expect(f.sectorWear(i)).toEqual({ erases: 0, programs: 0 });
    f.program(2 * SECTOR_SIZE, new Uint8Array(3));
    expect(f.stats).toEqual({ erases: 0, programs: 1, bytesProgrammed: 3 });
    expect(f.sectorWear(2)).toEqual({ erases: 0, programs: 1 });
    f.close();
  });

  it('agrees with a byte-at-a-time NOR model over random erases and (un)aligned programs', () => {
    const f = make();
    const rng = new SeededRandom('nor-model');
    const model = filled(SIZE, 0xff);
    const stats = { erases: 0, programs: 0, bytesProgrammed: 0 };
    for (let step = 0; step < 400; step++) {
      if (randomBelow(rng, 8) === 0) {
        const sector = randomBelow(rng, SECTORS);
        f.erase(sector);
        model.fill(0xff, sector * SECTOR_SIZE, (sector + 1) * SECTOR_SIZE);
        stats.erases++;
        continue;
      }
      const sector = randomBelow(rng, SECTORS);
      const start = randomBelow(rng, SECTOR_SIZE);
      const length = 1 + randomBelow(rng, Math.min(SECTOR_SIZE - start, randomBelow(rng, 2) ? 64 : SECTOR_SIZE));
      // Data at a random byte offset inside a larger buffer, so both aligned and unaligned views occur.
      const shift = randomBelow(rng, 4);
      // Mostly-set bits, so repeated programs of one byte do not all collapse to zero.
      const raw = randomBytes(rng, length + shift).map((b, i) => b | randomBytes(rng, 1)[0] | (i & 1 ? 0x81 : 0x18));
      const data = raw.subarray(shift, shift + length);
      const offset = sector * SECTOR_SIZE + start;
      f.program(offset, data);
      for (let i = 0; i < length; i++) model[offset + i] &= data[i];
      stats.programs++;
      stats.bytesProgrammed += length;
      if (step % 50 === 0) expectBytes(f.read(0, SIZE), model);
    }
    expectBytes(f.read(0, SIZE), model);
    expect(f.stats).toEqual(stats);
    f.close();
  });

  it('after close every operation fails with Closed; close twice is harmless', () => {
    const f = make();
    f.close();
    f.close();
    expectFlashError(() => f.read(0, 1), 'Closed');
    expectFlashError(() => f.readInto(0, new Uint8Array(1)), 'Closed');
    expectFlashError(() => f.erase(0), 'Closed');
    expectFlashError(() => f.program(0, Uint8Array.of(0)), 'Closed');
    expectFlashError(() => f.sync(), 'Closed');
  });
});
