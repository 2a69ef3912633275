// The coerced adversary's view of an image (issue 7, section 3): whoever holds the boot PIN has .System's keys and
// decrypts everything they open: the page table, the FastSpace master record(s) and the SpaceUpdate log; with the
// passwords of disclosed bases, their page tables too (with every password: the owner's view). Every data page then
// falls in one class. A secret basis may only hide among the `unexplained` pages, and only as well as the
// free pages the cache leaves out by design hide it; `usedUnmapped` was exactly the secret bases' pages before the
// FastSpace fix, so it must be 0 on an image this engine writes.
import { ecbDecrypt } from '../crypto/ecb.ts';
import type { BasisKeys } from '../crypto/kdf.ts';
import { PageTable } from '../engine/pagetable.ts';
import type { Flash } from '../flash/flash.ts';
import { PAGE_SIZE } from '../format/constants.ts';
import {
  FASTSPACE_PAGES,
  SPACE_UPDATE_SIZE,
  SPACE_UPDATES_PER_PAGE,
  SpaceState,
  decodeSpaceUpdate,
  isErased,
  openMasterRecord,
} from '../format/fastspace.ts';
import { FSCB_PAGES, computeLayout } from '../format/layout.ts';
import { SeededRandom } from '../../lib/random.ts';

/** What a data page is to the coerced adversary. */
export enum PageClass {
  /** Mapped by a .System page-table entry. */
  System = 0,
  /** Listed free (Free or Dirty) by FastSpace. */
  Listed = 1,
  /** Marked Used by FastSpace, yet no .System entry maps it: some other basis's page. */
  UsedUnmapped = 2,
  /** Neither: a free page the cache does not list, or a page of a basis the adversary was not shown. */
  Unexplained = 3,
  /** Mapped by a basis whose password was disclosed (or, in the owner's view, by any basis). */
  Disclosed = 4,
}

export interface CoercedView {
  /** One PageClass per data page. */
  classes: Uint8Array;
  counts: Record<keyof typeof PageClass, number>;
  masterRecords: number;
  logRecords: number;
}

/**
 * Classify every data page of `flash` with .System's keys and those of the `disclosed` bases (`dna`: the device DNA
 * of the AADs; 0 for hosted images). With every basis's keys disclosed, this is the owner's view.
 */
export function coercedView(flash: Flash, system: BasisKeys, dna = 0n, disclosed: BasisKeys[] = []): CoercedView {
  const layout = computeLayout(flash.size);
  // The table as mount sees it (an MBBB shadow applied); the Random is only for writes, which this never does.
  const table = PageTable.load(flash, layout, new SeededRandom('coerced-view'));
  const mapped = new Set(table.scan(system.pt).map((m) => m.phys));
  const shown = new Set(disclosed.flatMap((keys) => table.scan(keys.pt).map((m) => m.phys)));
  const fscb = flash.read(layout.fscbOffset, FSCB_PAGES * PAGE_SIZE);
  const page = (i: number) => fscb.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
  const used = new Set<number>();
  const listed = new Set<number>();
  const note = (p: number, state: SpaceState) => (state === SpaceState.Used ? used : listed).add(p);
  const masterPages = new Set<number>();
  let masterRecords = 0;
  for (let i = 0; i + FASTSPACE_PAGES <= FSCB_PAGES; i++) {
    const entries = openMasterRecord(system.data, fscb.subarray(i * PAGE_SIZE, (i + FASTSPACE_PAGES) * PAGE_SIZE), dna);
    if (!entries) continue;
    masterRecords++;
    for (const e of entries) note(e.page, e.state);
    for (let p = 0; p < FASTSPACE_PAGES; p++) masterPages.add(i + p);
    i += FASTSPACE_PAGES - 1;
  }
  let logRecords = 0;
  for (let i = 0; i < FSCB_PAGES; i++) {
    if (masterPages.has(i) || !isErased(page(i).subarray(0, SPACE_UPDATE_SIZE))) continue;
    const plain = ecbDecrypt(system.pt, page(i));
    for (let slot = 1; slot <= SPACE_UPDATES_PER_PAGE; slot++) {
      const e = decodeSpaceUpdate(plain, slot * SPACE_UPDATE_SIZE);
      if (!e) continue;
      logRecords++;
      note(e.page, e.state);
    }
    plain.fill(0);
  }
  const classes = new Uint8Array(layout.dataPages);
  const counts = { System: 0, Listed: 0, UsedUnmapped: 0, Unexplained: 0, Disclosed: 0 };
  for (let p = 0; p < layout.dataPages; p++) {
    const c = mapped.has(p)
      ? PageClass.System
      : shown.has(p)
        ? PageClass.Disclosed
        : used.has(p)
          ? PageClass.UsedUnmapped
          : listed.has(p)
            ? PageClass.Listed
            : PageClass.Unexplained;
    classes[p] = c;
    counts[PageClass[c] as keyof typeof PageClass]++;
  }
  return { classes, counts, masterRecords, logRecords };
}
