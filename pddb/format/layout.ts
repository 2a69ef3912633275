// Where each region of a PDDB image lives (backend/hw.rs PddbOs::new; tools/pddbdbg.py computes the same).
// The page table has one entry per page of the whole region, but entry i maps DATA page i (counted from the data
// base), so the trailing entries are never used and keep their random fill.
import { PddbError } from '../errors.ts';
import { PAGE_SIZE, PTE_SIZE } from './constants.ts';

export const MBBB_PAGES = 10;
export const FSCB_PAGES = 16;

export interface Layout {
  /** Bytes in the whole PDDB region. */
  readonly size: number;
  readonly ptOffset: number;
  readonly ptPages: number;
  readonly keyPageOffset: number;
  readonly mbbbOffset: number;
  readonly fscbOffset: number;
  readonly dataOffset: number;
  readonly dataPages: number;
}

export function computeLayout(size: number): Layout {
  if (!Number.isInteger(size) || size <= 0 || size % PAGE_SIZE !== 0) {
    throw new PddbError('BadImage', `a PDDB region must be a positive multiple of ${PAGE_SIZE} bytes`);
  }
  const pages = size / PAGE_SIZE;
  const ptPages = Math.ceil((pages * PTE_SIZE) / PAGE_SIZE);
  const keyPageOffset = ptPages * PAGE_SIZE;
  const mbbbOffset = keyPageOffset + PAGE_SIZE;
  const fscbOffset = mbbbOffset + MBBB_PAGES * PAGE_SIZE;
  const dataOffset = fscbOffset + FSCB_PAGES * PAGE_SIZE;
  const dataPages = (size - dataOffset) / PAGE_SIZE;
  // A region too small for a root page, a dict page, a pool page and room to copy-on-write is useless.
  if (dataPages < 16) throw new PddbError('BadImage', `a PDDB region of ${size} bytes leaves no room for data`);
  return { size, ptOffset: 0, ptPages, keyPageOffset, mbbbOffset, fscbOffset, dataOffset, dataPages };
}

/** Byte offset of data page `phys` (data-relative numbering, as PTEs and FastSpace count). */
export function dataPageOffset(layout: Layout, phys: number): number {
  return layout.dataOffset + phys * PAGE_SIZE;
}
