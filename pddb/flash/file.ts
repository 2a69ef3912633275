// A flash device backed by an image file (the device folder's pddb.bin): positioned reads and writes through one
// file descriptor, fsync at sync(). The file IS the device: no cache in front of it, so reads see every program.
// Wear counters live in memory for the life of the object (they are not persisted in the image).
import { closeSync, fstatSync, fsyncSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { FlashError } from './errors.ts';
import type { Flash, FlashStats, SectorWear } from './flash.ts';
import {
  SECTOR_SIZE,
  andInto,
  checkByte,
  checkBytes,
  checkDeviceSize,
  checkProgram,
  checkRange,
  checkSector,
} from './flash.ts';
import { WearCounters } from './wear.ts';

export interface FileFlashCreateOptions {
  /** The initial content of every byte; 0xFF (erased) unless told. */
  fill?: number;
  /** Replace an existing file; without it, create() of an existing path fails with 'Exists'. */
  overwrite?: boolean;
}

export interface FileFlashOpenOptions {
  /** Open for reading only: erase, program and sync fail with 'ReadOnly'. */
  readonly?: boolean;
}

const ERASED = new Uint8Array(SECTOR_SIZE).fill(0xff);
const CREATE_CHUNK = 1 << 20;

export class FileFlash implements Flash {
  readonly size: number;
  readonly path: string;
  readonly readOnly: boolean;
  private fd: number | null;
  private readonly wear: WearCounters;
  /** The bytes under a program, read back to AND with (a program never exceeds one sector). */
  private readonly scratch = new Uint8Array(SECTOR_SIZE);

  private constructor(fd: number, path: string, size: number, readOnly: boolean) {
    this.fd = fd;
    this.path = path;
    this.size = size;
    this.readOnly = readOnly;
    this.wear = new WearCounters(size);
  }

  /** Create an image file of `size` bytes, every byte `fill` (0xFF: erased), synced to disk, and open it. */
  static create(path: string, size: number, opts: FileFlashCreateOptions = {}): FileFlash {
    checkDeviceSize(size);
    const fill = checkByte(opts.fill ?? 0xff, 'fill');
    const fd = fsCall(() => openSync(path, opts.overwrite ? 'w+' : 'wx+'), `create ${path}`);
    try {
      const chunk = new Uint8Array(Math.min(CREATE_CHUNK, size)).fill(fill);
      for (let at = 0; at < size; at += chunk.length) {
        writeFully(fd, chunk.subarray(0, Math.min(chunk.length, size - at)), at, path);
      }
      fsCall(() => fsyncSync(fd), `fsync ${path}`);
    } catch (e) {
      closeQuietly(fd);
      try {
        unlinkSync(path);
      } catch {
        // already gone: nothing to clean up
      }
      throw e;
    }
    syncDirectory(dirname(path));
    return new FileFlash(fd, path, size, false);
  }

  /** Open an existing image; its size must be a positive multiple of SECTOR_SIZE ('BadImageSize' otherwise). */
  static open(path: string, opts: FileFlashOpenOptions = {}): FileFlash {
    const readOnly = opts.readonly ?? false;
    const fd = fsCall(() => openSync(path, readOnly ? 'r' : 'r+'), `open ${path}`);
    try {
      const st = fsCall(() => fstatSync(fd), `stat ${path}`);
      if (!st.isFile()) throw new FlashError('NotAFile', `${path} is not a regular file`);
      if (st.size === 0 || st.size % SECTOR_SIZE !== 0) {
        throw new FlashError(
          'BadImageSize',
          `${path}: ${st.size} bytes is not a positive multiple of ${SECTOR_SIZE} (a truncated or foreign file?)`,
        );
      }
      return new FileFlash(fd, path, st.size, readOnly);
    } catch (e) {
      closeQuietly(fd);
      throw e;
    }
  }

  read(offset: number, length: number): Uint8Array {
    const fd = this.handle();
    checkRange(this.size, offset, length, 'read');
    const out = new Uint8Array(length);
    readFully(fd, out, offset, this.path);
    return out;
  }

  readInto(offset: number, out: Uint8Array): void {
    const fd = this.handle();
    checkBytes(out, 'readInto: out');
    checkRange(this.size, offset, out.length, 'readInto');
    readFully(fd, out, offset, this.path);
  }

  erase(sector: number): void {
    const fd = this.writable();
    checkSector(this.size, sector, 'erase');
    writeFully(fd, ERASED, sector * SECTOR_SIZE, this.path);
    this.wear.erased(sector);
  }

  program(offset: number, data: Uint8Array): void {
    const fd = this.writable();
    const sector = checkProgram(this.size, offset, data);
    const cur = this.scratch.subarray(0, data.length);
    readFully(fd, cur, offset, this.path);
    andInto(cur, data);
    writeFully(fd, cur, offset, this.path);
    this.wear.programmed(sector, data.length);
  }

  sync(): void {
    const fd = this.handle();
    if (this.readOnly) return;
    fsCall(() => fsyncSync(fd), `fsync ${this.path}`);
  }

  get stats(): FlashStats {
    return this.wear.stats();
  }

  sectorWear(sector: number): SectorWear {
    return this.wear.sector(sector);
  }

  resetStats(): void {
    this.wear.reset();
  }

  /** Closes the descriptor (no implicit sync: what was not synced is only as durable as the OS makes it). */
  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    fsCall(() => closeSync(fd), `close ${this.path}`);
  }

  private handle(): number {
    if (this.fd === null) throw new FlashError('Closed', `${this.path}: the file flash is closed`);
    return this.fd;
  }

  private writable(): number {
    const fd = this.handle();
    if (this.readOnly) throw new FlashError('ReadOnly', `${this.path} is open read-only`);
    return fd;
  }
}

function fsCall<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FlashError) throw e;
    const errno = (e as NodeJS.ErrnoException).code;
    const code =
      errno === 'ENOENT' ? 'NotFound' : errno === 'EEXIST' ? 'Exists' : errno === 'EISDIR' ? 'NotAFile' : 'Io';
    throw new FlashError(code, `${what}: ${(e as Error).message}`, { cause: e });
  }
}

function readFully(fd: number, out: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < out.length) {
    const n = fsCall(() => readSync(fd, out, done, out.length - done, position + done), `read ${path}`);
    if (n === 0) {
      throw new FlashError(
        'Io',
        `${path}: short read at byte ${position + done} (the image was truncated while open?)`,
      );
    }
    done += n;
  }
}

function writeFully(fd: number, data: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < data.length) {
    const n = fsCall(() => writeSync(fd, data, done, data.length - done, position + done), `write ${path}`);
    if (n === 0) throw new FlashError('Io', `${path}: the write at byte ${position + done} made no progress`);
    done += n;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // the open already failed; this is cleanup
  }
}

/** Make a newly created file's directory entry durable too (best effort: not every platform can fsync a directory). */
function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== null) closeQuietly(fd);
  }
}
