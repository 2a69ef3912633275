// Where each process's bulk read of a dict (DictBulkRead) stands. Every page of a read_dict names the last key it
// got (`after`); without a cursor the server would list, sort and filter the whole dict again for every page (157
// listings of a 10,000-key dict). A cursor keeps the sorted listing of one read per process and serves the next page
// from where the last one stopped. It is only ever a shortcut: any change to which keys exist (a key or dict
// created or deleted, a basis opened, locked or deleted) drops every cursor, and a request that does not continue
// its process's cursor lists afresh, so a page is the same one a fresh listing would give.
import type { PddbEngine } from '../engine/engine.ts';

interface Cursor {
  dict: string;
  basis: string | undefined;
  /** The sorted listing the read started from. */
  names: string[];
  /** Index in `names` of the next key to serve. */
  next: number;
}

export class BulkCursors {
  private readonly byPid = new Map<number, Cursor>();

  /**
   * The listing of `dict` (the union, or one basis) and the index of its first key after `after`: pid's cursor when
   * this request continues it, else a fresh listing.
   */
  open(
    pid: number,
    engine: PddbEngine,
    dict: string,
    basis: string | undefined,
    after: string | undefined,
  ): { names: string[]; from: number } {
    const c = this.byPid.get(pid);
    if (
      c &&
      after !== undefined &&
      c.dict === dict &&
      c.basis === basis &&
      c.next > 0 &&
      c.names[c.next - 1] === after
    ) {
      return { names: c.names, from: c.next };
    }
    const names = engine.listKeys(dict, basis);
    return { names, from: after === undefined ? 0 : firstAfter(names, after) };
  }

  /** pid's read served `names` up to (not including) `next`; at the end the cursor goes. */
  advance(pid: number, dict: string, basis: string | undefined, names: string[], next: number): void {
    if (next >= names.length) this.byPid.delete(pid);
    else this.byPid.set(pid, { dict, basis, names, next });
  }

  /** Key names may have changed (or a basis was locked: its names must not stay in memory). */
  clear(): void {
    this.byPid.clear();
  }

  release(pid: number): void {
    this.byPid.delete(pid);
  }
}

/** Index of the first name greater than `after` in a sorted list (the order of listKeys: UTF-16 code units). */
function firstAfter(names: string[], after: string): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (names[mid] > after) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
