// The Flash interface the PDDB engine codes against, and the argument checks every implementation shares.
// NOR semantics over 4 KiB sectors: erase sets a sector to 0xFF; program can only clear bits (stored &= data) and
// stays within one sector; sync() is a durability point.
import { FlashError } from './errors.ts';

export const SECTOR_SIZE = 4096;

export interface FlashStats {
  erases: number;
  programs: number;
  bytesProgrammed: number;
}

export interface SectorWear {
  erases: number;
  programs: number;
}

export interface Flash {
  /** Bytes, a positive multiple of SECTOR_SIZE. */
  readonly size: number;
  /** A copy (callers may keep it). */
  read(offset: number, length: number): Uint8Array;
  /** Fills `out` from `offset`, without allocating; for bulk reads (the page-table scan). */
  readInto(offset: number, out: Uint8Array): void;
  /** Sector index; sets all SECTOR_SIZE bytes to 0xFF. */
  erase(sector: number): void;
  /** Within ONE sector; NOR semantics: stored &= data (can only clear bits). */
  program(offset: number, data: Uint8Array): void;
  /** Make everything programmed so far durable (file: fsync). Callers treat a returned sync as a durability point. */
  sync(): void;
  /** Totals since creation or the last resetStats(); each access returns a fresh snapshot. */
  readonly stats: FlashStats;
  sectorWear(sector: number): SectorWear;
  close(): void;
}

function isIndex(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** A device size: a positive safe integer, a multiple of SECTOR_SIZE. */
export function checkDeviceSize(size: unknown, code: 'BadArgument' | 'BadImageSize' = 'BadArgument'): number {
  if (!isIndex(size) || size === 0 || size % SECTOR_SIZE !== 0) {
    throw new FlashError(code, `device size ${String(size)} is not a positive multiple of ${SECTOR_SIZE}`);
  }
  return size;
}

export function checkByte(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new FlashError('BadArgument', `${what} ${String(value)} is not a byte (0..255)`);
  }
  return value;
}

export function checkBytes(data: unknown, what: string): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new FlashError('BadArgument', `${what} is not a Uint8Array`);
  return data;
}

/** [offset, offset + length) lies inside a device of `size` bytes (an empty range at `size` is allowed). */
export function checkRange(size: number, offset: unknown, length: unknown, what: string): void {
  if (!isIndex(offset))
    throw new FlashError('BadArgument', `${what}: offset ${String(offset)} is not a non-negative integer`);
  if (!isIndex(length))
    throw new FlashError('BadArgument', `${what}: length ${String(length)} is not a non-negative integer`);
  if (offset > size || length > size - offset) {
    throw new FlashError(
      'OutOfBounds',
      `${what}: bytes [${offset}, ${offset + length}) outside the device of ${size} bytes`,
    );
  }
}

export function checkSector(size: number, sector: unknown, what: string): number {
  if (!isIndex(sector))
    throw new FlashError('BadArgument', `${what}: sector ${String(sector)} is not a non-negative integer`);
  const sectors = size / SECTOR_SIZE;
  if (sector >= sectors)
    throw new FlashError('OutOfBounds', `${what}: sector ${sector} outside the device of ${sectors} sectors`);
  return sector;
}

/** A program: non-empty bytes, inside the device, inside one sector. Returns the sector index. */
export function checkProgram(size: number, offset: unknown, data: unknown): number {
  const bytes = checkBytes(data, 'program: data');
  if (bytes.length === 0) throw new FlashError('BadArgument', 'program: empty data');
  checkRange(size, offset, bytes.length, 'program');
  const first = Math.floor((offset as number) / SECTOR_SIZE);
  const last = Math.floor(((offset as number) + bytes.length - 1) / SECTOR_SIZE);
  if (first !== last) {
    throw new FlashError(
      'CrossesSector',
      `program: bytes [${offset as number}, ${(offset as number) + bytes.length}) span sectors ${first}..${last}`,
    );
  }
  return first;
}

/** NOR program of `data` over `target` (same length): target &= data, a word at a time where both are aligned. */
export function andInto(target: Uint8Array, data: Uint8Array): void {
  const n = data.length;
  let i = 0;
  if (n >= 16 && (target.byteOffset & 3) === 0 && (data.byteOffset & 3) === 0) {
    const words = n >>> 2;
    const t = new Int32Array(target.buffer, target.byteOffset, words);
    const d = new Int32Array(data.buffer, data.byteOffset, words);
    for (let w = 0; w < words; w++) t[w] &= d[w];
    i = words << 2;
  }
  for (; i < n; i++) target[i] &= data[i];
}
