// Listings built from the engine's calls: key names with the original's counts (KeyCountInDict) and the pages of a
// bulk dict read (DictBulkRead) under a size limit.
import type { PddbEngine } from '../engine/engine.ts';
import { isPddbError } from '../errors.ts';

/** Key names of a dict (the union, or one basis) and the original's key_count: keys summed over the bases listed
 * (a key present in two bases counts twice, as the original counts descriptors). */
export function listKeysCounted(
  engine: PddbEngine,
  dict: string,
  basis: string | undefined,
): { names: string[]; keyCount: number } {
  const names = engine.listKeys(dict, basis);
  let keyCount = 0;
  for (const b of basis === undefined ? engine.listBasis() : [basis]) {
    try {
      keyCount += engine.listKeys(dict, b).length;
    } catch (e) {
      if (!isPddbError(e, 'NotFound')) throw e;
    }
  }
  return { names, keyCount };
}

export interface BulkRecord {
  key: string;
  basis: string;
  len: number;
  reserved: number;
  age: number;
  index: number;
  value?: Uint8Array;
}

/**
 * One page of read_dict: the records of `names` from index `from` on, at most `maxKeys` whose values total at most
 * `budget` bytes. A value longer than the whole budget comes without bytes (the caller reads it through a handle, as
 * the original's read_dict documents); one that fits the budget but not what is left of this page starts the next.
 * `next` is the index of the first key this page did not serve.
 */
export function bulkRead(
  engine: PddbEngine,
  dict: string,
  basis: string | undefined,
  names: readonly string[],
  from: number,
  maxKeys: number,
  budget: number,
) {
  const entries: BulkRecord[] = [];
  let left = budget;
  let next = from;
  for (; next < names.length && entries.length < maxKeys; next++) {
    const key = names[next];
    const h = engine.get(dict, key, { basis });
    const a = engine.attributes(h);
    if (a.len <= budget && a.len > left) break;
    const value = a.len <= left ? engine.readAll(h) : undefined;
    if (value) left -= value.length;
    entries.push({ key, basis: a.basis, len: a.len, reserved: a.reserved, age: a.age, index: a.index, value });
  }
  return { entries, next, more: next < names.length };
}
