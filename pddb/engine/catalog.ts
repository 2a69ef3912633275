// The dictionaries of one open basis: found at mount from the dict header pages the page table maps (nothing in
// the root lists them; it only counts them), created in the first free dict index, and synced with the basis.
// The dict layer owns the header format: the page layer (basis.ts) only knows where headers lie.
import { PddbError } from '../errors.ts';
import { DICT_MAX_COUNT, VPAGE_SIZE } from '../format/constants.ts';
import { decodeDictHeader, type DictHeader } from '../format/descriptors.ts';
import type { BasisRoot } from '../format/rootpage.ts';
import { DICT_REGION, LARGE_KEY_STRIDE, LARGE_POOL_START, dictBase, isSmallStart } from '../format/vaddr.ts';
import type { Basis } from './basis.ts';
import { Dict } from './dictionary.ts';

export class Catalog {
  private readonly byName = new Map<string, Dict>();
  /** Header vpages of dicts deleted since the last sync, by name (a dict re-created under it continues its journal). */
  private readonly deletedHeaders = new Map<string, number>();
  /** Dict indices held by a dict of this catalog. */
  private readonly indices = new Set<number>();
  /** Every index below this one is held by a dict of this catalog. */
  private lowestFree = 1;
  private largePointer = LARGE_POOL_START;
  /** Whether largePointer already accounts for every large key descriptor of the basis. */
  private largePointerFromDescriptors = false;

  constructor(readonly basis: Basis) {}

  get name(): string {
    return this.basis.name;
  }

  /**
   * Read every dict header the basis maps; damaged headers are skipped, not fatal. Two headers of one name: a dict
   * deleted and re-created under its name in a sync a cut interrupted; the new one continues the old one's journal
   * (inheritJournal), so the higher journal wins and the other dict is discarded.
   */
  static mount(basis: Basis): Catalog {
    const c = new Catalog(basis);
    let maxLarge = -1;
    const found: { index: number; journal: number; header: DictHeader }[] = [];
    for (const vpage of [...basis.mapping.keys()]) {
      const addr = vpage * VPAGE_SIZE;
      if (addr >= LARGE_POOL_START) maxLarge = Math.max(maxLarge, vpage);
      if (addr % DICT_REGION !== 0) continue;
      const d = addr / DICT_REGION;
      if (d < 1 || d > DICT_MAX_COUNT) continue;
      const page = basis.tryPage(vpage);
      const header = page && decodeDictHeader(page, 0);
      if (header) found.push({ index: d, journal: basis.journalOf(vpage), header });
    }
    found.sort((a, b) => b.journal - a.journal);
    for (const { index, header } of found) {
      if (c.byName.has(header.name)) basis.discardDict(index);
      else c.addDict(c.makeDict(index, header.name, header.age, false));
    }
    if (maxLarge >= 0) {
      // Each large key owns one 32 GiB stride; start after the last stride anything is mapped in.
      c.largePointer = strideEnd(LARGE_POOL_START + 1, (maxLarge + 1) * VPAGE_SIZE);
    }
    return c;
  }

  dict(name: string): Dict | undefined {
    return this.byName.get(name);
  }

  get dictCount(): number {
    return this.byName.size;
  }

  /** Dicts in the order they were found or created. */
  dicts(): IterableIterator<Dict> {
    return this.byName.values();
  }

  dictNames(): string[] {
    return [...this.byName.keys()];
  }

  createDict(name: string): Dict {
    // The hint only skips indices held by dicts: an index skipped because its header page is still on the table
    // (a deleted dict, until the commit unmaps it; an undecodable header) is looked at again next time.
    while (this.indices.has(this.lowestFree)) this.lowestFree++;
    let index = this.lowestFree;
    while (this.indices.has(index) || this.basis.isMapped((index * DICT_REGION) / VPAGE_SIZE)) index++;
    if (index > DICT_MAX_COUNT)
      throw new PddbError('LimitExceeded', `basis '${this.name}' already holds ${DICT_MAX_COUNT} dicts`);
    const dict = this.makeDict(index, name, 0, true);
    this.addDict(dict);
    dict.writeHeader();
    const replaced = this.deletedHeaders.get(name);
    if (replaced !== undefined) this.basis.inheritJournal(dictBase(index) / VPAGE_SIZE, replaced);
    return dict;
  }

  deleteDict(dict: Dict): void {
    dict.destroy();
    this.byName.delete(dict.name);
    this.indices.delete(dict.index);
    this.lowestFree = Math.min(this.lowestFree, dict.index);
    // The first deletion of the sync is the copy on flash (one created and deleted within the sync never was).
    if (!this.deletedHeaders.has(dict.name)) this.deletedHeaders.set(dict.name, dictBase(dict.index) / VPAGE_SIZE);
    this.basis.touchRoot();
  }

  root(): BasisRoot {
    return { name: this.name, age: this.basis.age, numDictionaries: this.byName.size };
  }

  /** Commit; then scrub what that commit superseded (a second, smaller commit) so no stale value stays behind. */
  sync(): void {
    for (let pass = 0; pass < 2 && this.basis.hasChanges; pass++) {
      this.basis.commit(this.root());
      this.deletedHeaders.clear();
      for (const dict of this.byName.values()) dict.afterCommit();
    }
  }

  private addDict(dict: Dict): void {
    this.byName.set(dict.name, dict);
    this.indices.add(dict.index);
  }

  private makeDict(index: number, name: string, age: number, fresh: boolean): Dict {
    return new Dict(this.basis, index, name, age, (bytes) => this.allocLarge(bytes), fresh);
  }

  private allocLarge(bytes: number): number {
    if (bytes > LARGE_KEY_STRIDE) throw new PddbError('LimitExceeded', 'a key is limited to 32 GiB');
    if (!this.largePointerFromDescriptors) {
      // A large key need not map any page (created with an alloc hint and never written, or truncated to 0), so
      // the mapped pages alone do not tell which strides are taken: the descriptors do (as the original's
      // large_pool_update does). Read them once, at the first large allocation of the session.
      for (const dict of this.byName.values()) {
        for (const k of dict.keys.values()) {
          if (!isSmallStart(k.start))
            this.largePointer = Math.max(this.largePointer, strideEnd(k.start, k.start + Math.max(k.reserved, 1)));
        }
      }
      this.largePointerFromDescriptors = true;
    }
    const start = this.largePointer;
    this.largePointer += LARGE_KEY_STRIDE;
    return start;
  }
}

/** The start of the first whole stride at or after the one holding [start, end). */
function strideEnd(start: number, end: number): number {
  const first = Math.floor((start - LARGE_POOL_START) / LARGE_KEY_STRIDE);
  const last = Math.ceil((end - LARGE_POOL_START) / LARGE_KEY_STRIDE);
  return LARGE_POOL_START + Math.max(first + 1, last) * LARGE_KEY_STRIDE;
}
