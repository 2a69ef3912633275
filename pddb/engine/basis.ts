// One open basis: its keys, its map of virtual to physical pages, a cache of decrypted pages, what is dirty, and
// the copy-on-write commit that makes a sync durable.
//
// Commit order, chosen so a power cut at any point leaves every previously synced value readable:
//   1. data pages (small-key pools, large keys), 2. descriptor pages, 3. the root. Within each step every dirty
//   page goes to a FRESH physical page with journal + 1, and the new mappings are written before anything old is
//   touched; a cut leaves old and new mapping side by side and the higher journal wins at mount. Only then
//   4. the superseded entries are erased, the old pages overwritten with noise and given back to FastSpace.
// The original instead rewrites pages in place (a cut mid-rewrite loses the page) and re-syncs every open basis
// after every write chunk.
import { PddbError } from '../errors.ts';
import { PAGE_SIZE, VPAGE_SIZE } from '../format/constants.ts';
import { openDataPage, pageAad, sealDataPage } from '../format/datapage.ts';
import { dataPageOffset } from '../format/layout.ts';
import { ROOT_VPAGE, openRootPage, sealRootPage, type BasisRoot } from '../format/rootpage.ts';
import { dictOfDescriptorVpage } from '../format/vaddr.ts';
import type { BasisKeys } from '../crypto/kdf.ts';
import { bytesEqual } from '../crypto/bytes.ts';
import { randomBelow, randomBytes, randomU32 } from '../../lib/random.ts';
import type { Store } from './store.ts';

/** Fresh journals start anywhere in [0, 1e8) so a journal does not tell a page's age (hw.rs). */
const FRESH_JOURNAL_RANGE = 100_000_000;

export interface Mapping {
  phys: number;
  journal: number;
}

export type RetentionPolicy = { kind: 'persist' } | { kind: 'clearAfterSleeps'; sleeps: number };

export class Basis {
  readonly aad: Uint8Array;
  readonly mapping = new Map<number, Mapping>();
  private readonly cache = new Map<number, Uint8Array>();
  private readonly dirty = new Set<number>();
  /** Physical pages to unmap and scrub at the end of the next commit (superseded, deleted, duplicate losers). */
  private retired: number[] = [];
  private pteNonce: number;
  rootJournal = 0;
  age = 0;
  rootDirty = false;
  policy: RetentionPolicy = { kind: 'persist' };
  sleepsLeft = 0;

  constructor(
    readonly name: string,
    private keys: BasisKeys | null,
    private readonly store: Store,
  ) {
    this.aad = pageAad(name, store.dna);
    this.pteNonce = randomU32(store.random);
  }

  get open(): boolean {
    return this.keys !== null;
  }

  /**
   * Find this basis in the page table: map its pages (resolving duplicate mappings by journal), then open and
   * check its root. Null when the keys open no root of this name: wrong password and absent basis look the same.
   */
  static mount(name: string, keys: BasisKeys, store: Store): { basis: Basis; root: BasisRoot } | null {
    const basis = new Basis(name, keys, store);
    const candidates = new Map<number, number[]>();
    let maxNonce = -1;
    for (const m of store.pt.scan(keys.pt)) {
      if (store.inUse.has(m.phys)) continue; // another open basis owns it: a checksum collision, not ours
      const list = candidates.get(m.vpage);
      if (list) list.push(m.phys);
      else candidates.set(m.vpage, [m.phys]);
      maxNonce = Math.max(maxNonce, m.nonce);
    }
    const rootPhys = candidates.get(ROOT_VPAGE);
    if (!rootPhys) return null;
    let root: BasisRoot | null = null;
    let best = -1;
    for (const phys of rootPhys) {
      const opened = openRootPage(keys.data, store.flash.read(dataPageOffset(store.layout, phys), PAGE_SIZE), basis.aad);
      if (opened && opened.root.name === name && opened.journal > best) {
        [root, best] = [opened.root, opened.journal];
        basis.mapping.set(ROOT_VPAGE, { phys, journal: opened.journal });
      }
    }
    if (!root) return null;
    basis.rootJournal = best;
    basis.age = root.age;
    for (const phys of rootPhys) if (phys !== basis.mapping.get(ROOT_VPAGE)!.phys) basis.retired.push(phys);
    for (const [vpage, physList] of candidates) {
      if (vpage === ROOT_VPAGE) continue;
      if (physList.length === 1) {
        basis.mapping.set(vpage, { phys: physList[0], journal: -1 });
        continue;
      }
      basis.resolveDuplicates(vpage, physList);
    }
    for (const m of basis.mapping.values()) store.inUse.add(m.phys);
    for (const phys of basis.retired) store.inUse.add(phys);
    if (maxNonce >= 0) basis.pteNonce = (maxNonce + 1) >>> 0;
    return { basis, root };
  }

  /** Two entries map one vpage (a cut between commit steps): decrypt both, the higher journal wins. */
  private resolveDuplicates(vpage: number, physList: number[]): void {
    let winner: { phys: number; journal: number; data: Uint8Array } | null = null;
    for (const phys of physList) {
      const opened = openDataPage(this.keys!.data, this.readPhys(phys), this.aad);
      if (opened && (!winner || opened.journal > winner.journal)) winner = { phys, ...opened };
    }
    for (const phys of physList) if (phys !== winner?.phys) this.retired.push(phys);
    if (winner) {
      this.mapping.set(vpage, { phys: winner.phys, journal: winner.journal });
      this.cache.set(vpage, winner.data);
    }
  }

  get hasChanges(): boolean {
    return this.rootDirty || this.dirty.size > 0 || this.retired.length > 0;
  }

  /** The 4064 decrypted bytes of a vpage (zeros if unmapped). Throws InternalError if a mapped page is damaged. */
  page(vpage: number): Uint8Array {
    const cached = this.cache.get(vpage);
    if (cached) return cached;
    const m = this.mapping.get(vpage);
    let data: Uint8Array;
    if (!m) data = new Uint8Array(VPAGE_SIZE);
    else {
      const opened = openDataPage(this.requireKeys().data, this.readPhys(m.phys), this.aad);
      if (!opened) throw new PddbError('InternalError', `a page of basis '${this.name}' does not decrypt (damaged flash)`);
      m.journal = opened.journal;
      data = opened.data;
    }
    this.cache.set(vpage, data);
    return data;
  }

  /** Like page(), but the caller is about to change it. */
  writablePage(vpage: number): Uint8Array {
    const data = this.page(vpage);
    this.dirty.add(vpage);
    this.rootDirty = true;
    return data;
  }

  /** Whether a vpage decrypts (used to skip damaged pages at load instead of failing the whole basis). */
  tryPage(vpage: number): Uint8Array | null {
    try {
      return this.page(vpage);
    } catch (e) {
      if (e instanceof PddbError) return null;
      throw e;
    }
  }

  isMapped(vpage: number): boolean {
    return this.mapping.has(vpage) || this.dirty.has(vpage);
  }

  /** Vpages in use, mapped or only cached dirty. */
  vpages(): IterableIterator<number> {
    return new Set([...this.mapping.keys(), ...this.dirty]).values();
  }

  /** The vpage is no longer part of the basis: its page is retired at the next commit. */
  dropPage(vpage: number): void {
    const m = this.mapping.get(vpage);
    if (m) {
      this.retired.push(m.phys);
      this.mapping.delete(vpage);
    }
    const data = this.cache.get(vpage);
    data?.fill(0);
    this.cache.delete(vpage);
    this.dirty.delete(vpage);
    this.rootDirty = true;
  }

  /** Write everything dirty, root last, then retire what it superseded (see the header comment). */
  commit(root: BasisRoot): void {
    if (!this.hasChanges) return;
    const keys = this.requireKeys();
    const steps: number[][] = [[], []];
    for (const vpage of this.dirty) steps[dictOfDescriptorVpage(vpage) ? 1 : 0].push(vpage);
    for (const step of steps) {
      step.sort((a, b) => a - b);
      const placed = step.map((vpage) => {
        const data = this.cache.get(vpage)!;
        const old = this.mapping.get(vpage);
        const journal = old && old.journal >= 0 ? (old.journal + 1) >>> 0 : this.freshJournal();
        return { vpage, page: sealDataPage(keys.data, randomBytes(this.store.random, 12), journal, data, this.aad), journal, old };
      });
      this.place(placed);
    }
    this.age = (this.age + 1) >>> 0;
    this.rootJournal = (this.rootJournal + 1) >>> 0;
    const rootPage = sealRootPage(
      keys.data,
      randomBytes(this.store.random, 12),
      randomBytes(this.store.random, 32),
      this.rootJournal,
      { ...root, age: this.age },
      this.aad,
    );
    this.place([{ vpage: ROOT_VPAGE, page: rootPage, journal: this.rootJournal, old: this.mapping.get(ROOT_VPAGE) }]);
    this.dirty.clear();
    this.rootDirty = false;
    this.retire(this.retired);
    this.retired = [];
  }

  /** Program each page to a fresh physical page, then map them all (one table update per table page). */
  private place(items: { vpage: number; page: Uint8Array; journal: number; old?: Mapping }[]): void {
    if (items.length === 0) return;
    const { flash, layout, space, inUse } = this.store;
    const maps: { phys: number; vpage: number; nonce: number }[] = [];
    for (const item of items) {
      const phys = space.allocate((p) => inUse.has(p));
      if (phys === null) {
        throw new PddbError('NoFreeSpace', 'FastSpace has run dry: present every basis and rebuild the free-space cache');
      }
      inUse.add(phys);
      flash.erase(dataPageOffset(layout, phys) / PAGE_SIZE);
      flash.program(dataPageOffset(layout, phys), item.page);
      maps.push({ phys, vpage: item.vpage, nonce: this.nextNonce() });
      item.page.fill(0);
    }
    this.store.pt.update(this.requireKeys().pt, maps, []);
    items.forEach((item, i) => {
      // Superseded pages join the retired list at once, so a commit cut short by NoFreeSpace can simply be retried.
      if (item.old) this.retired.push(item.old.phys);
      this.mapping.set(item.vpage, { phys: maps[i].phys, journal: item.journal });
    });
  }

  /** Unmap, scrub with noise, and hand back physical pages no longer referenced. */
  private retire(pages: number[]): void {
    if (pages.length === 0) return;
    const { flash, layout, space, inUse, random } = this.store;
    this.store.pt.update(this.requireKeys().pt, [], pages);
    for (const phys of pages) {
      flash.erase(dataPageOffset(layout, phys) / PAGE_SIZE);
      flash.program(dataPageOffset(layout, phys), randomBytes(random, PAGE_SIZE));
      inUse.delete(phys);
      space.release(phys);
    }
  }

  /** Delete the basis from flash: every page is unmapped, scrubbed and freed. */
  destroy(): void {
    for (const vpage of [...this.mapping.keys()]) this.dropPage(vpage);
    this.retire(this.retired);
    this.retired = [];
    this.close();
  }

  /** Forget keys and plaintext (lock). Pages stay on flash; they simply leave the in-use set. */
  close(): void {
    for (const m of this.mapping.values()) this.store.inUse.delete(m.phys);
    for (const phys of this.retired) this.store.inUse.delete(phys);
    for (const data of this.cache.values()) data.fill(0);
    this.cache.clear();
    this.dirty.clear();
    this.mapping.clear();
    if (this.keys) {
      this.keys.pt.fill(0);
      this.keys.data.fill(0);
    }
    this.keys = null;
  }

  /** Whether these are this basis's keys (create refuses to make a second copy of an open basis). */
  hasKeys(keys: BasisKeys): boolean {
    return this.keys !== null && bytesEqual(this.keys.data, keys.data) && bytesEqual(this.keys.pt, keys.pt);
  }

  /** Copies of the keys, for a hosted dump. */
  exportKeys(): BasisKeys {
    const k = this.requireKeys();
    return { pt: k.pt.slice(), data: k.data.slice() };
  }

  private requireKeys(): BasisKeys {
    if (!this.keys) throw new PddbError('BasisLost', `basis '${this.name}' is locked`);
    return this.keys;
  }

  private readPhys(phys: number): Uint8Array {
    return this.store.flash.read(dataPageOffset(this.store.layout, phys), PAGE_SIZE);
  }

  private freshJournal(): number {
    return randomBelow(this.store.random, FRESH_JOURNAL_RANGE);
  }

  private nextNonce(): number {
    const n = this.pteNonce;
    this.pteNonce = (this.pteNonce + 1) >>> 0;
    return n;
  }
}
