// Where a commit's fresh physical pages come from. FastSpace lists at most 2041 pages, so a value of more than
// about 8 MiB can only be written by going past it: with every basis present (EngineOptions.allBasesPresent), a
// commit that empties the cache refills it from a full scan and carries on. Without that, a commit the cache cannot
// finish is refused before anything is written, and the error tells a full device (DiskFull) from a dry cache
// (NoFreeSpace: the pages exist, but only a scan with every basis present may hand them out; a locked basis's
// pages look free to the scan).
import { PddbError } from '../errors.ts';
import type { Store } from './store.ts';

/** Pages no open basis uses: what a full scan may list when every basis is present. */
export function freeInView(store: Store): number[] {
  const free: number[] = [];
  for (let p = 0; p < store.layout.dataPages; p++) if (!store.inUse.has(p)) free.push(p);
  return free;
}

/** Make sure a commit of `pages` fresh pages can finish, before it writes anything. */
export function reserveRoom(store: Store, pages: number): void {
  if (store.space.prepare(pages, (p) => store.inUse.has(p))) return;
  const free = freeInView(store).length;
  if (free < pages) {
    throw new PddbError('DiskFull', `the device is full: this sync needs ${pages} free pages, ${free} are free`);
  }
  if (!store.allBasesPresent) throw cacheDry(store, pages);
}

/** One fresh page for a commit that reserveRoom() accepted. */
export function takePage(store: Store): number {
  const taken = (p: number) => store.inUse.has(p);
  let phys = store.space.allocate(taken);
  if (phys === null && store.allBasesPresent) {
    store.space.regenerate(freeInView(store));
    phys = store.space.allocate(taken);
  }
  // reserveRoom() counted the room; running dry here would be a bug in that count.
  if (phys === null) throw cacheDry(store, 1);
  return phys;
}

function cacheDry(store: Store, pages: number): PddbError {
  return new PddbError(
    'NoFreeSpace',
    `the free-space cache ran dry (${store.space.available} pages listed, this sync needs ${pages}): ` +
      'present every basis and run rebuildspace --all-bases-present',
  );
}
