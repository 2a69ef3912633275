// The flash model: NOR flash over 4 KiB sectors, memory- or file-backed, with wear counters and fault injection.
export { SECTOR_SIZE } from './flash.ts';
export type { Flash, FlashStats, SectorWear } from './flash.ts';
export { FlashError, PowerCut, isFlashError } from './errors.ts';
export type { FlashErrorCode } from './errors.ts';
export { MemoryFlash } from './memory.ts';
export type { MemoryFlashOptions } from './memory.ts';
export { FileFlash } from './file.ts';
export type { FileFlashCreateOptions, FileFlashOpenOptions } from './file.ts';
export { FaultyFlash } from './faulty.ts';
export type { CutReport, FaultPlan } from './faulty.ts';
