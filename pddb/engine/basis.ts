// One open basis: its keys, its map of virtual to physical pages, a cache of decrypted pages, what is dirty, and
// the copy-on-write commit that makes a sync durable.
//
// Commit order, chosen so a power cut at any point leaves every previously synced value readable. Every dirty page
// and the root go to a FRESH physical page (taken from FastSpace before anything is written) with a journal above
// every copy of that vpage still on flash. Then one page-table update whose steps reach flash in this order (the
// table packs them into as few MBBB cycles as the order allows; see Step):
//   0. garbage from an earlier cut (below) is unmapped; 1. data pages (small-key pools, large keys) are mapped;
//   2. descriptor pages and the root are mapped, and the data copies step 1 superseded unmapped; 3. the descriptor
//   and root copies step 2 superseded are unmapped, and the root of a deleted basis; 4. the header pages of deleted
//   dicts; 5. everything else dropped.
// Then what was unmapped is overwritten with noise and given back to FastSpace. New mappings come before anything
// they replace or that reads them: a cut leaves old and new mapping side by side and the higher journal wins at
// mount, so a superseded copy may go as soon as its replacement is mapped. Unmapping is the only way a deletion
// reaches flash, so steps 3-5 keep each deletion whole: the root first (deleting a basis), then the header pages of
// deleted dicts, then everything else. A cut part-way leaves
// pages nothing references (a deleted dict's descriptor and pool pages, a deleted basis' pages) and duplicates.
// Mount keeps the higher journal of a duplicate, and counts as garbage the losers and the pages of a dict whose
// header is gone; the first commit of a new basis counts as garbage any page its keys already open (a deletion of
// a basis of that name and password, cut short). Garbage goes in step 0 of the next commit, before anything new
// could be read together with it (a stale copy outliving its winner, a new dict adopting an old dict's
// descriptors); its vpages count as mapped (isMapped) until then. A deleted large key's pages can only leak.
// Journals continue across deletion: a vpage dropped and written again before the commit (a pool page reused)
// continues its dropped copy's journal, and a dropped vpage counts as mapped until it is unmapped, so a dict index is not
// reused within the sync; a dict deleted and re-created under its name in one sync gets a new index and its header
// continues the old header's journal, so if a cut leaves both headers, mount keeps the new one (Catalog.mount).
// The original instead rewrites pages in place (a cut mid-rewrite loses the page) and re-syncs every open basis
// after every write chunk.
import { PddbError } from '../errors.ts';
import { DICT_MAX_COUNT, PAGE_SIZE, VPAGE_SIZE } from '../format/constants.ts';
import { openDataPage, pageAad, sealDataPage } from '../format/datapage.ts';
import { dataPageOffset } from '../format/layout.ts';
import { ROOT_VPAGE, openRootPage, sealRootPage, type BasisRoot } from '../format/rootpage.ts';
import { DICT_REGION, SMALL_POOL_START, dictOfDescriptorVpage } from '../format/vaddr.ts';
import type { BasisKeys } from '../crypto/kdf.ts';
import { bytesEqual } from '../crypto/bytes.ts';
import { randomBelow, randomBytes, randomU32 } from '../../lib/random.ts';
import type { TableStep } from './pagetable.ts';
import type { Store } from './store.ts';
import { reserveRoom, takePage } from './page-supply.ts';

/** The steps of a commit's page-table update, in the order they reach flash (see the header comment). */
const Step = { Garbage: 0, Data: 1, Descriptors: 2, Superseded: 3, DeletedHeaders: 4, Rest: 5 } as const;

function noSteps(): TableStep[] {
  return Object.values(Step).map(() => ({ map: [], erase: [] }));
}

/** Fresh journals start anywhere in [0, 1e8) so a journal does not tell a page's age (hw.rs). */
const FRESH_JOURNAL_RANGE = 100_000_000;

export interface Mapping {
  phys: number;
  journal: number;
}

/** A page as check() sees it: readable, absent from the page table, failing authentication, or past the end. */
export type PageState = 'ok' | 'missing' | 'undecryptable' | 'past-end';

export type RetentionPolicy = { kind: 'persist' } | { kind: 'clearAfterSleeps'; sleeps: number };

export class Basis {
  readonly aad: Uint8Array;
  readonly mapping = new Map<number, Mapping>();
  private readonly cache = new Map<number, Uint8Array>();
  private readonly dirty = new Set<number>();
  /** Physical pages to unmap and scrub at the end of the next commit (the copies it supersedes). */
  private retired: number[] = [];
  /** Physical pages to unmap and scrub at the start of the next commit (see the header comment). */
  private garbage: number[] = [];
  /** Vpages of garbage pages: they count as mapped until unmapped, so nothing new takes their place first. */
  private readonly garbageVpages = new Set<number>();
  /** Vpages dropped since the last commit, with the mapping they had (still on flash until the commit unmaps it). */
  private readonly dropped = new Map<number, Mapping>();
  /** Vpages whose entry points past the end of the device (an image cut short): reading them is an error. */
  private readonly lost = new Map<number, number>();
  /** Made by `new` (format, create) rather than found by mount: its first commit clears stale entries first. */
  private fresh = true;
  private pteNonce: number;
  private rootJournal = 0;
  /** Bumped at every commit; read for the root page (nothing outside writes it). */
  age = 0;
  private rootDirty = false;
  private retention: RetentionPolicy = { kind: 'persist' };
  private sleepsLeft = 0;
  /** New dict header vpage -> the header vpage of the dict of that name deleted in the same sync (inheritJournal). */
  private readonly inherits = new Map<number, number>();

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

  /** A basis that is not on flash yet (format, create): its first commit writes the root, at a fresh journal. */
  static create(name: string, keys: BasisKeys, store: Store): Basis {
    const basis = new Basis(name, keys, store);
    basis.rootJournal = basis.freshJournal();
    basis.rootDirty = true;
    return basis;
  }

  /** Something the root counts changed (a dict deleted): the next commit writes the root even with no page dirty. */
  touchRoot(): void {
    this.rootDirty = true;
  }

  get policy(): RetentionPolicy {
    return this.retention;
  }

  setPolicy(policy: RetentionPolicy): void {
    this.retention =
      policy.kind === 'persist' ? { kind: 'persist' } : { kind: 'clearAfterSleeps', sleeps: policy.sleeps };
    this.sleepsLeft = policy.kind === 'clearAfterSleeps' ? policy.sleeps : 0;
  }

  /** One suspend: true when the retention policy says the basis locks now. */
  sleep(): boolean {
    return this.retention.kind === 'clearAfterSleeps' && --this.sleepsLeft <= 0;
  }

  /**
   * A dict deleted and re-created under its name in one sync: its new header page continues the old header's
   * journal, so that if a cut leaves both on flash, mount keeps the new one (Catalog.mount) instead of showing one
   * of two dicts of one name and hiding the other until it resurfaces.
   */
  inheritJournal(vpage: number, from: number): void {
    this.inherits.set(vpage, from);
  }

  /** Journal of a mapped vpage, once page() or tryPage() has read it (-1 before). */
  journalOf(vpage: number): number {
    return this.mapping.get(vpage)?.journal ?? -1;
  }

  /**
   * Dict `d` is not part of the basis (the loser of two headers of one name): its pages are garbage, unmapped at
   * the next commit, and count as mapped until then.
   */
  discardDict(d: number): void {
    for (const [vpage, m] of this.mapping) {
      if (dictOfVpage(vpage) !== d) continue;
      this.mapping.delete(vpage);
      this.cache.delete(vpage);
      this.garbage.push(m.phys);
      this.garbageVpages.add(vpage);
    }
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
      const opened = openRootPage(
        keys.data,
        store.flash.read(dataPageOffset(store.layout, phys), PAGE_SIZE),
        basis.aad,
      );
      if (opened && opened.root.name === name && opened.journal > best) {
        [root, best] = [opened.root, opened.journal];
        basis.mapping.set(ROOT_VPAGE, { phys, journal: opened.journal });
      }
    }
    if (!root) return null;
    basis.rootJournal = best;
    basis.age = root.age;
    for (const phys of rootPhys) if (phys !== basis.mapping.get(ROOT_VPAGE)!.phys) basis.garbage.push(phys);
    for (const [vpage, physList] of candidates) {
      if (vpage === ROOT_VPAGE) continue;
      if (physList.length === 1) {
        basis.mapping.set(vpage, { phys: physList[0], journal: -1 });
        continue;
      }
      basis.resolveDuplicates(vpage, physList);
    }
    for (const m of store.pt.scanBeyondData(keys.pt)) if (!basis.mapping.has(m.vpage)) basis.lost.set(m.vpage, m.phys);
    // Pages of a dict whose header page is gone: what a cut during the unmapping of a deleted dict leaves. (Not
    // when the header lies past the end of a truncated image: that dict is unreadable, not deleted.)
    for (const [vpage, m] of basis.mapping) {
      const d = dictOfVpage(vpage);
      if (d === 0 || basis.mapping.has(dictHeaderVpage(d)) || basis.lost.has(dictHeaderVpage(d))) continue;
      basis.mapping.delete(vpage);
      basis.cache.delete(vpage);
      basis.garbage.push(m.phys);
      basis.garbageVpages.add(vpage);
    }
    basis.fresh = false;
    for (const m of basis.mapping.values()) store.inUse.add(m.phys);
    for (const phys of basis.garbage) store.inUse.add(phys);
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
    for (const phys of physList) if (phys !== winner?.phys) this.garbage.push(phys);
    if (winner) {
      this.mapping.set(vpage, { phys: winner.phys, journal: winner.journal });
      this.cache.set(vpage, winner.data);
    }
  }

  get hasChanges(): boolean {
    return (
      this.rootDirty ||
      this.dirty.size > 0 ||
      this.retired.length > 0 ||
      this.dropped.size > 0 ||
      this.garbage.length > 0
    );
  }

  /**
   * The 4064 decrypted bytes of a vpage some structure needs: one that is missing from the page table or does not
   * decrypt is damage (BadImage, naming the basis and, through `holder`, what the page holds), never zeros.
   */
  page(vpage: number, holder?: () => string): Uint8Array {
    const data = this.cache.get(vpage) ?? this.load(vpage);
    if (data) return data;
    const what = holder ? `a page of ${holder()} in basis '${this.name}'` : `page ${vpage} of basis '${this.name}'`;
    if (this.lost.has(vpage))
      throw new PddbError('BadImage', `${what} lies past the end of the device (truncated image?)`);
    if (!this.mapping.has(vpage))
      throw new PddbError('BadImage', `${what} is missing from the page table (damaged image)`);
    throw new PddbError('BadImage', `${what} does not decrypt (damaged flash)`);
  }

  /**
   * Like page(), but the caller is about to change it. A vpage the basis does not hold starts as zeros: one nothing
   * maps, and one whose copy on flash is no longer part of the basis (dropped, or garbage a cut left: the pool page
   * of a dict whose header never reached the table, say). Such a copy is unmapped before the new one is mapped (step
   * 0 for garbage) or loses to it by journal (a dropped copy, superseded like any other), and its bytes are nobody's.
   */
  writablePage(vpage: number): Uint8Array {
    const held = this.mapping.has(vpage) || this.lost.has(vpage);
    const data = this.cache.get(vpage) ?? (held ? this.page(vpage) : new Uint8Array(VPAGE_SIZE));
    this.cache.set(vpage, data);
    this.dirty.add(vpage);
    this.rootDirty = true;
    return data;
  }

  /** page(), or null when that page is damaged (load skips damaged pages instead of failing the whole basis). */
  tryPage(vpage: number): Uint8Array | null {
    return this.cache.get(vpage) ?? this.load(vpage);
  }

  /** Whether page() would return this vpage, and if not, why (check() reports it). */
  pageState(vpage: number): PageState {
    if (this.tryPage(vpage)) return 'ok';
    if (this.lost.has(vpage)) return 'past-end';
    return this.mapping.has(vpage) ? 'undecryptable' : 'missing';
  }

  /** Decrypt and cache a mapped vpage; null when it is not mapped or does not decrypt. */
  private load(vpage: number): Uint8Array | null {
    const m = this.mapping.get(vpage);
    if (!m) return null;
    const opened = openDataPage(this.requireKeys().data, this.readPhys(m.phys), this.aad);
    if (!opened) return null;
    m.journal = opened.journal;
    this.cache.set(vpage, opened.data);
    return opened.data;
  }

  /** Data pages of the device: no value can need more. */
  get devicePages(): number {
    return this.store.layout.dataPages;
  }

  /** Mapped, written since the last commit, or dropped (or garbage) but still on flash until a commit unmaps it. */
  isMapped(vpage: number): boolean {
    return (
      this.mapping.has(vpage) ||
      this.dirty.has(vpage) ||
      this.dropped.has(vpage) ||
      this.garbageVpages.has(vpage) ||
      this.lost.has(vpage)
    );
  }

  /** Vpages in use, mapped or only cached dirty. */
  vpages(): IterableIterator<number> {
    return new Set([...this.mapping.keys(), ...this.dirty, ...this.lost.keys()]).values();
  }

  /** The vpage is no longer part of the basis: its page is retired at the next commit. */
  dropPage(vpage: number): void {
    const m = this.mapping.get(vpage);
    if (m) {
      if (this.dropped.has(vpage)) this.retired.push(m.phys);
      else this.dropped.set(vpage, m);
      this.mapping.delete(vpage);
    }
    this.lost.delete(vpage);
    const data = this.cache.get(vpage);
    data?.fill(0);
    this.cache.delete(vpage);
    this.dirty.delete(vpage);
    this.rootDirty = true;
  }

  /** Write everything dirty and the root, map it all, then retire what it superseded (see the header comment). */
  commit(root: BasisRoot): void {
    if (!this.hasChanges) return;
    const keys = this.requireKeys();
    if (this.fresh) this.findStaleEntries();
    this.checkRoomFor(this.pagesToPlace());
    const steps = noSteps();
    steps[Step.Garbage].erase.push(...this.garbage);
    const byStep: number[][] = [[], []];
    for (const vpage of this.dirty) byStep[dictOfDescriptorVpage(vpage) ? 1 : 0].push(vpage);
    byStep.forEach((vpages, i) => {
      vpages.sort((a, b) => a - b);
      const placed = vpages.map((vpage) => {
        const data = this.cache.get(vpage)!;
        const old = this.mapping.get(vpage);
        const journal = this.nextJournal(old ?? this.dropped.get(vpage) ?? this.inherited(vpage));
        return {
          vpage,
          page: sealDataPage(keys.data, randomBytes(this.store.random, 12), journal, data, this.aad),
          journal,
          old,
        };
      });
      this.place(placed, i === 0 ? Step.Data : Step.Descriptors, steps);
    });
    if (this.rootCanStay(byStep[1].length > 0)) {
      this.dirty.clear();
      this.rootDirty = false;
      this.retireAll(steps);
      return;
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
    this.place(
      [{ vpage: ROOT_VPAGE, page: rootPage, journal: this.rootJournal, old: this.mapping.get(ROOT_VPAGE) }],
      Step.Descriptors,
      steps,
    );
    this.dirty.clear();
    this.rootDirty = false;
    this.retireAll(steps);
  }

  /**
   * A commit that only rewrites data pages (the second pass of a sync, zeroing superseded small values) leaves the
   * root as it is: nothing in it changes but its age, and the new copies win by journal on their own.
   */
  private rootCanStay(descriptorsChanged: boolean): boolean {
    return (
      this.store.policy === 'copy-on-write' &&
      !descriptorsChanged &&
      this.dropped.size === 0 &&
      this.garbage.length === 0 &&
      this.mapping.has(ROOT_VPAGE)
    );
  }

  /**
   * Add to `steps` the unmapping of what was dropped, deletions in an order that keeps each whole (the root of a
   * deleted basis, then the headers of deleted dicts, then the rest), write the whole table update, then scrub and
   * free every page it unmapped (garbage and superseded copies included).
   */
  private retireAll(steps: TableStep[]): void {
    for (const [vpage, m] of this.dropped) {
      if (this.mapping.has(vpage))
        steps[supersededStep(vpage)].erase.push(m.phys); // written again: merely superseded
      else if (vpage === ROOT_VPAGE) steps[Step.Superseded].erase.push(m.phys);
      else if (isDictHeaderVpage(vpage)) steps[Step.DeletedHeaders].erase.push(m.phys);
      else steps[Step.Rest].erase.push(m.phys);
    }
    steps[Step.Rest].erase.push(...this.retired);
    this.store.pt.updateInSteps(this.requireKeys().pt, steps);
    this.scrub(steps.flatMap((s) => s.erase));
    this.retired = [];
    this.dropped.clear();
    this.inherits.clear();
    this.garbage = [];
    this.garbageVpages.clear();
  }

  /** The dropped copy whose journal `vpage` continues (see inheritJournal). */
  private inherited(vpage: number): Mapping | undefined {
    const from = this.inherits.get(vpage);
    return from === undefined ? undefined : this.dropped.get(from);
  }

  /**
   * First commit of a basis made by `new`: pages that its keys already open are left over from a deletion of a
   * basis with this name and password that a power cut interrupted; they are garbage. (Only pages that decrypt: an
   * entry of another basis can pass the 32-bit checksum under these keys by chance, and must not be touched.)
   */
  private findStaleEntries(): void {
    this.fresh = false;
    const keys = this.requireKeys();
    for (const m of this.store.pt.scan(keys.pt)) {
      if (this.store.inUse.has(m.phys)) continue;
      const page = this.readPhys(m.phys);
      const ours =
        m.vpage === ROOT_VPAGE ? openRootPage(keys.data, page, this.aad) : openDataPage(keys.data, page, this.aad);
      if (!ours) continue;
      this.store.inUse.add(m.phys);
      this.garbage.push(m.phys);
    }
  }

  /** A journal above `prior`'s (the copy of this vpage still on flash), or a fresh one when there is none. */
  private nextJournal(prior: Mapping | undefined): number {
    if (!prior) return this.freshJournal();
    let journal = prior.journal;
    if (journal < 0) {
      const opened = openDataPage(this.requireKeys().data, this.readPhys(prior.phys), this.aad);
      if (!opened) return this.freshJournal(); // damaged: it cannot win a duplicate resolution anyway
      journal = prior.journal = opened.journal;
    }
    return (journal + 1) >>> 0;
  }

  /** Fresh physical pages this commit takes: every dirty page and the root (under the original's policy, only new ones). */
  private pagesToPlace(): number {
    if (this.store.policy === 'copy-on-write') return this.dirty.size + 1;
    return [...this.dirty, ROOT_VPAGE].filter((vpage) => !this.mapping.has(vpage)).length;
  }

  /**
   * Refuse a commit that cannot finish before anything is written (DiskFull, or NoFreeSpace for a dry cache: see
   * page-supply.ts): the failed sync changes nothing on flash and leaks nothing, and the caller can retry.
   */
  private checkRoomFor(pages: number): void {
    reserveRoom(this.store, pages);
  }

  /**
   * Program each page to a fresh physical page; its mapping joins `steps` at `step`, and the unmapping of the copy
   * it supersedes the step after which that copy can go (retireAll writes them all and scrubs).
   */
  private place(
    items: { vpage: number; page: Uint8Array; journal: number; old?: Mapping }[],
    step: number,
    steps: TableStep[],
  ): void {
    if (items.length === 0) return;
    const { flash, layout, inUse, stats } = this.store;
    stats.sealed += items.length;
    if (this.store.policy === 'original') items = this.rewriteInPlace(items);
    for (const item of items) {
      const phys = takePage(this.store);
      inUse.add(phys);
      flash.erase(dataPageOffset(layout, phys) / PAGE_SIZE);
      flash.program(dataPageOffset(layout, phys), item.page);
      item.page.fill(0);
      steps[step].map.push({ phys, vpage: item.vpage, nonce: this.nextNonce() });
      if (item.old) steps[supersededStep(item.vpage)].erase.push(item.old.phys);
      this.mapping.set(item.vpage, { phys, journal: item.journal });
    }
  }

  /**
   * The original's write policy, kept for comparison (EngineOptions.syncPolicy): a page that already has a physical
   * page is erased and reprogrammed where it is; a cut in between loses it. Returns the pages still to place.
   */
  private rewriteInPlace(items: { vpage: number; page: Uint8Array; journal: number; old?: Mapping }[]) {
    const { flash, layout } = this.store;
    return items.filter((item) => {
      if (!item.old) return true;
      flash.erase(dataPageOffset(layout, item.old.phys) / PAGE_SIZE);
      flash.program(dataPageOffset(layout, item.old.phys), item.page);
      item.page.fill(0);
      this.mapping.set(item.vpage, { phys: item.old.phys, journal: item.journal });
      return false;
    });
  }

  /** Overwrite with noise and hand back physical pages already unmapped. */
  private scrub(pages: number[]): void {
    const { flash, layout, space, inUse, random } = this.store;
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
    this.retireAll(noSteps());
    this.close();
  }

  /** Forget keys and plaintext (lock). Pages stay on flash; they simply leave the in-use set. */
  close(): void {
    for (const m of this.mapping.values()) this.store.inUse.delete(m.phys);
    for (const phys of this.retired) this.store.inUse.delete(phys);
    for (const phys of this.garbage) this.store.inUse.delete(phys);
    for (const m of this.dropped.values()) this.store.inUse.delete(m.phys);
    this.dropped.clear();
    this.garbage = [];
    this.garbageVpages.clear();
    this.lost.clear();
    this.retired = [];
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

const DICT_VPAGES = DICT_REGION / VPAGE_SIZE;
const POOL_FIRST_VPAGE = SMALL_POOL_START / VPAGE_SIZE;

/** The header page of dict d (slot 0 of its descriptor region). */
function dictHeaderVpage(d: number): number {
  return d * DICT_VPAGES;
}

/** The step after which a superseded copy of `vpage` may be unmapped: the one after its replacement is mapped. */
function supersededStep(vpage: number): number {
  return vpage !== ROOT_VPAGE && dictOfDescriptorVpage(vpage) === 0 ? Step.Descriptors : Step.Superseded;
}

function isDictHeaderVpage(vpage: number): boolean {
  const d = dictOfDescriptorVpage(vpage);
  return d !== 0 && vpage === dictHeaderVpage(d);
}

/** The dict whose descriptor region or small-key pool holds `vpage`, or 0. */
function dictOfVpage(vpage: number): number {
  const d = dictOfDescriptorVpage(vpage);
  if (d !== 0) return d;
  const p = Math.floor((vpage - POOL_FIRST_VPAGE) / DICT_VPAGES) + 1;
  return vpage >= POOL_FIRST_VPAGE && p <= DICT_MAX_COUNT ? p : 0;
}
