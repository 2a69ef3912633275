// The dictionaries of one open basis: found at mount from the dict header pages the page table maps (nothing in
// the root lists them; it only counts them), created in the first free dict index, and synced with the basis.
import { PddbError } from '../errors.ts';
import { DICT_MAX_COUNT, VPAGE_SIZE } from '../format/constants.ts';
import { decodeDictHeader } from '../format/descriptors.ts';
import type { BasisRoot } from '../format/rootpage.ts';
import { DICT_REGION, LARGE_KEY_STRIDE, LARGE_POOL_START } from '../format/vaddr.ts';
import type { Basis } from './basis.ts';
import { Dict } from './dictionary.ts';

export class Catalog {
  readonly dicts = new Map<string, Dict>();
  private largePointer = LARGE_POOL_START;

  constructor(readonly basis: Basis) {}

  get name(): string {
    return this.basis.name;
  }

  /** Read every dict header the basis maps; damaged or duplicate headers are skipped, not fatal. */
  static mount(basis: Basis): Catalog {
    const c = new Catalog(basis);
    let maxLarge = -1;
    for (const vpage of basis.mapping.keys()) {
      const addr = vpage * VPAGE_SIZE;
      if (addr >= LARGE_POOL_START) maxLarge = Math.max(maxLarge, vpage);
      if (addr % DICT_REGION !== 0) continue;
      const d = addr / DICT_REGION;
      if (d < 1 || d > DICT_MAX_COUNT) continue;
      const page = basis.tryPage(vpage);
      const header = page && decodeDictHeader(page, 0);
      if (header && !c.dicts.has(header.name)) c.dicts.set(header.name, c.makeDict(d, header.name, header.age));
    }
    if (maxLarge >= 0) {
      // Each large key owns one 32 GiB stride; start after the last stride anything is mapped in.
      const strides = Math.ceil(((maxLarge + 1) * VPAGE_SIZE - LARGE_POOL_START) / LARGE_KEY_STRIDE);
      c.largePointer = LARGE_POOL_START + strides * LARGE_KEY_STRIDE;
    }
    return c;
  }

  createDict(name: string): Dict {
    const used = new Set([...this.dicts.values()].map((d) => d.index));
    let index = 1;
    while (used.has(index) || this.basis.isMapped((index * DICT_REGION) / VPAGE_SIZE)) index++;
    if (index > DICT_MAX_COUNT) throw new PddbError('LimitExceeded', `basis '${this.name}' already holds ${DICT_MAX_COUNT} dicts`);
    const dict = this.makeDict(index, name, 0);
    this.dicts.set(name, dict);
    dict.writeHeader();
    return dict;
  }

  deleteDict(dict: Dict): void {
    dict.destroy();
    this.dicts.delete(dict.name);
    this.basis.rootDirty = true;
  }

  root(): BasisRoot {
    return { name: this.name, age: this.basis.age, numDictionaries: this.dicts.size };
  }

  sync(): void {
    if (!this.basis.hasChanges) return;
    this.basis.commit(this.root());
    for (const dict of this.dicts.values()) dict.afterCommit();
  }

  private makeDict(index: number, name: string, age: number): Dict {
    return new Dict(this.basis, index, name, age, (bytes) => this.allocLarge(bytes));
  }

  private allocLarge(bytes: number): number {
    if (bytes > LARGE_KEY_STRIDE) throw new PddbError('LimitExceeded', 'a key is limited to 32 GiB');
    const start = this.largePointer;
    this.largePointer += LARGE_KEY_STRIDE;
    return start;
  }
}
