// A flash device held in memory: the default for tests, and the way to "reboot" from the bytes that survived a
// power cut (MemoryFlash.from(faulty.read(0, faulty.size)) or MemoryFlash.from(inner.snapshot())).
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

export interface MemoryFlashOptions {
  /** The initial content of every byte; 0xFF (erased) unless told. */
  fill?: number;
}

export class MemoryFlash implements Flash {
  readonly size: number;
  private readonly bytes: Uint8Array;
  private readonly wear: WearCounters;
  private closed = false;

  constructor(size: number, opts: MemoryFlashOptions = {}) {
    this.size = checkDeviceSize(size);
    const fill = checkByte(opts.fill ?? 0xff, 'fill');
    this.bytes = new Uint8Array(size);
    if (fill !== 0) this.bytes.fill(fill);
    this.wear = new WearCounters(size);
  }

  /** A device holding a copy of `bytes` (an image: its length must be a positive multiple of SECTOR_SIZE). */
  static from(bytes: Uint8Array): MemoryFlash {
    checkBytes(bytes, 'MemoryFlash.from: bytes');
    checkDeviceSize(bytes.length, 'BadImageSize');
    const flash = new MemoryFlash(bytes.length, { fill: 0 });
    flash.bytes.set(bytes);
    return flash;
  }

  /** A copy of the whole device. Works after close() too, so a harness can take the image at any time. */
  snapshot(): Uint8Array {
    return this.bytes.slice();
  }

  read(offset: number, length: number): Uint8Array {
    this.open();
    checkRange(this.size, offset, length, 'read');
    return this.bytes.slice(offset, offset + length);
  }

  readInto(offset: number, out: Uint8Array): void {
    this.open();
    checkBytes(out, 'readInto: out');
    checkRange(this.size, offset, out.length, 'readInto');
    out.set(this.bytes.subarray(offset, offset + out.length));
  }

  erase(sector: number): void {
    this.open();
    checkSector(this.size, sector, 'erase');
    this.bytes.fill(0xff, sector * SECTOR_SIZE, (sector + 1) * SECTOR_SIZE);
    this.wear.erased(sector);
  }

  program(offset: number, data: Uint8Array): void {
    this.open();
    const sector = checkProgram(this.size, offset, data);
    andInto(this.bytes.subarray(offset, offset + data.length), data);
    this.wear.programmed(sector, data.length);
  }

  sync(): void {
    this.open();
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

  close(): void {
    this.closed = true;
  }

  private open(): void {
    if (this.closed) throw new FlashError('Closed', 'the memory flash is closed');
  }
}
