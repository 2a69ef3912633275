// Wear counters: erases and programs per sector, and totals (erases, programs, bytes programmed).
import type { FlashStats, SectorWear } from './flash.ts';
import { SECTOR_SIZE, checkSector } from './flash.ts';

export class WearCounters {
  private readonly erases: Float64Array;
  private readonly programs: Float64Array;
  private totals: FlashStats = { erases: 0, programs: 0, bytesProgrammed: 0 };

  constructor(private readonly size: number) {
    this.erases = new Float64Array(size / SECTOR_SIZE);
    this.programs = new Float64Array(size / SECTOR_SIZE);
  }

  erased(sector: number): void {
    this.erases[sector]++;
    this.totals.erases++;
  }

  programmed(sector: number, bytes: number): void {
    this.programs[sector]++;
    this.totals.programs++;
    this.totals.bytesProgrammed += bytes;
  }

  stats(): FlashStats {
    return { ...this.totals };
  }

  sector(sector: number): SectorWear {
    checkSector(this.size, sector, 'sectorWear');
    return { erases: this.erases[sector], programs: this.programs[sector] };
  }

  reset(): void {
    this.erases.fill(0);
    this.programs.fill(0);
    this.totals = { erases: 0, programs: 0, bytesProgrammed: 0 };
  }
}
