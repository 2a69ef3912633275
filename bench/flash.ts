// Flash model: FileFlash bulk read of a Precursor-sized (98 MiB) image and 4 KiB page program + sync, each against
// the raw node:fs calls doing the same work in the same run; plus MemoryFlash's page program against a plain copy.
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFlash } from '../pddb/flash/file.ts';
import { SECTOR_SIZE } from '../pddb/flash/flash.ts';
import { MemoryFlash } from '../pddb/flash/memory.ts';
import { median, report, timeUsSync } from './harness.ts';

const SUITE = 'flash';
const PRECURSOR_PDDB = 25_088 * SECTOR_SIZE; // 98 MiB

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pvault-bench-flash-'));
  try {
    // Creating the image: FileFlash.create (0xFF fill in 1 MiB writes + fsync) vs one write of the same bytes + fsync.
    let k = 0;
    const erased = new Uint8Array(PRECURSOR_PDDB).fill(0xff);
    const createUs = timeUsSync(
      () => {
        const p = join(dir, `create-${k++}.bin`);
        FileFlash.create(p, PRECURSOR_PDDB).close();
        rmSync(p);
      },
      { warmup: 1, runs: 3 },
    );
    const rawCreateUs = timeUsSync(
      () => {
        const p = join(dir, `raw-${k++}.bin`);
        const fd = openSync(p, 'wx');
        writeSync(fd, erased, 0, erased.length, 0);
        fsyncSync(fd);
        closeSync(fd);
        rmSync(p);
      },
      { warmup: 1, runs: 3 },
    );
    report(SUITE, 'FileFlash.create 98 MiB (0xFF, fsync)', createUs / 1000, 'ms', {
      name: 'writeSync + fsync of the same bytes',
      value: rawCreateUs / 1000,
    });

    // Bulk read of the whole image (the page-table scan reads the same way, a smaller region).
    const path = join(dir, 'pddb.bin');
    const flash = FileFlash.create(path, PRECURSOR_PDDB);
    const out = new Uint8Array(PRECURSOR_PDDB);
    const fd = openSync(path, 'r+');
    // Alternating rounds, median of the rounds: the page cache and the allocator drift between measurements.
    const reads: Record<'readInto' | 'read' | 'readSync' | 'readFileSync', number[]> = {
      readInto: [],
      read: [],
      readSync: [],
      readFileSync: [],
    };
    for (let round = 0; round < 3; round++) {
      const ro = { warmup: 1, runs: 5 };
      reads.readInto.push(timeUsSync(() => flash.readInto(0, out), ro));
      reads.readSync.push(timeUsSync(() => readSync(fd, out, 0, out.length, 0), ro));
      reads.read.push(timeUsSync(() => flash.read(0, PRECURSOR_PDDB), ro));
      reads.readFileSync.push(timeUsSync(() => readFileSync(path), ro));
    }
    const ms = (xs: number[]) => median(xs) / 1000;
    const readFile = { name: 'fs.readFileSync of the image', value: ms(reads.readFileSync) };
    report(SUITE, 'FileFlash.readInto 98 MiB', ms(reads.readInto), 'ms', readFile);
    report(SUITE, 'FileFlash.readInto 98 MiB (same buffer)', ms(reads.readInto), 'ms', {
      name: 'fs.readSync into a preallocated buffer',
      value: ms(reads.readSync),
    });
    report(SUITE, 'FileFlash.read 98 MiB (allocating)', ms(reads.read), 'ms', readFile);

    // Page program + sync: one 4 KiB page, then fsync, in a different sector each time. fsync latency drifts, so the
    // figures and their baseline are measured in alternating rounds and the median of the rounds is reported.
    const page = new Uint8Array(SECTOR_SIZE).fill(0x5a);
    let s = 0;
    const next = () => (s++ % 25_088) * SECTOR_SIZE;
    const opts = { warmup: 3, runs: 15 };
    const rounds: Record<'raw' | 'rawNoSync' | 'program' | 'programNoSync' | 'eraseProgram', number[]> = {
      raw: [],
      rawNoSync: [],
      program: [],
      programNoSync: [],
      eraseProgram: [],
    };
    fsyncSync(fd);
    for (let round = 0; round < 3; round++) {
      rounds.raw.push(timeUsSync(() => (writeSync(fd, page, 0, SECTOR_SIZE, next()), fsyncSync(fd)), opts));
      rounds.program.push(timeUsSync(() => (flash.program(next(), page), flash.sync()), opts));
      rounds.eraseProgram.push(
        timeUsSync(() => {
          const offset = next();
          flash.erase(offset / SECTOR_SIZE);
          flash.program(offset, page);
          flash.sync();
        }, opts),
      );
      rounds.rawNoSync.push(timeUsSync(() => writeSync(fd, page, 0, SECTOR_SIZE, next()), opts));
      rounds.programNoSync.push(timeUsSync(() => flash.program(next(), page), opts));
    }
    closeSync(fd);
    flash.close();
    const raw = { name: 'fs.writeSync 4 KiB + fsync', value: median(rounds.raw) };
    report(SUITE, 'FileFlash program 4 KiB + sync', median(rounds.program), 'us', raw);
    report(SUITE, 'FileFlash erase + program 4 KiB + sync', median(rounds.eraseProgram), 'us', raw);
    report(SUITE, 'FileFlash program 4 KiB (no sync)', median(rounds.programNoSync), 'us', {
      name: 'fs.writeSync 4 KiB',
      value: median(rounds.rawNoSync),
    });

    // In memory: the NOR AND loop of one page against a plain copy of the page.
    const mem = new MemoryFlash(64 * SECTOR_SIZE);
    const target = new Uint8Array(64 * SECTOR_SIZE);
    let m = 0;
    const memUs = timeUsSync(() => mem.program((m++ % 64) * SECTOR_SIZE, page), { warmup: 100, runs: 9, batch: 1000 });
    const setUs = timeUsSync(() => target.set(page, (m++ % 64) * SECTOR_SIZE), { warmup: 100, runs: 9, batch: 1000 });
    report(SUITE, 'MemoryFlash program 4 KiB', memUs, 'us', { name: 'Uint8Array.set 4 KiB', value: setUs });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
