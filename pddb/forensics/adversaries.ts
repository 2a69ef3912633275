// What each adversary reads off one image, as named numbers a game can threshold. The blind adversary has only the
// bytes of the data pages; the coerced one also has .System's keys (the boot PIN) and the disclosed bases' keys, so
// it classes every page (coerced-view.ts), counts what FastSpace says, and runs the byte battery on the pages nothing
// it holds explains, where a hidden basis would have to be.
import type { BasisKeys } from '../crypto/kdf.ts';
import { MemoryFlash } from '../flash/memory.ts';
import { PAGE_SIZE } from '../format/constants.ts';
import { computeLayout, dataPageOffset } from '../format/layout.ts';
import { byteStats } from './byte-stats.ts';
import { PageClass, coercedView } from './coerced-view.ts';

export type Adversary = 'blind' | 'coerced';
export type Features = Record<string, number>;

/** Every data page of an image, as views into it. */
export function dataPages(image: Uint8Array): Uint8Array[] {
  const layout = computeLayout(image.length);
  return Array.from({ length: layout.dataPages }, (_, p) =>
    image.subarray(dataPageOffset(layout, p), dataPageOffset(layout, p) + PAGE_SIZE),
  );
}

export function blindFeatures(image: Uint8Array): Features {
  return { ...byteStats(dataPages(image)) };
}

/** The coerced adversary's numbers: page classes, FastSpace records, and the battery over unexplained pages. */
export function coercedFeatures(image: Uint8Array, system: BasisKeys, disclosed: BasisKeys[]): Features {
  const view = coercedView(MemoryFlash.from(image), system, 0n, disclosed);
  const pages = dataPages(image);
  const unexplained = pages.filter((_, p) => view.classes[p] === PageClass.Unexplained);
  // Where the explained pages end: an allocator that favours low addresses puts a hidden basis's pages below it.
  let top = 0;
  view.classes.forEach((c, p) => (c === PageClass.System || c === PageClass.Disclosed ? (top = p) : 0));
  const unexplainedLow = view.classes.subarray(0, top).filter((c) => c === PageClass.Unexplained).length;
  const battery = Object.fromEntries(Object.entries(byteStats(unexplained)).map(([k, v]) => [`unexplained.${k}`, v]));
  return {
    listed: view.counts.Listed,
    unexplained: view.counts.Unexplained,
    usedUnmapped: view.counts.UsedUnmapped,
    systemPages: view.counts.System,
    disclosedPages: view.counts.Disclosed,
    masterRecords: view.masterRecords,
    logRecords: view.logRecords,
    unexplainedBelowTop: top === 0 ? 0 : unexplainedLow / top,
    ...battery,
  };
}
