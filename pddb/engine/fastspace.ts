// FastSpace: the .System-encrypted cache of pages believed free, and the SpaceUpdate log of what was taken from it
// or given back since it was last written (backend/fastspace.rs). It deliberately holds only about half of the
// free pages (capped at 2041): an adversary who can read it with the boot PIN cannot subtract it from the disk to
// find the pages of bases they were not shown.
//
// Crash safety. What must never happen is that FastSpace, after a power cut, offers a page some basis (open or
// locked) still maps: that page would be overwritten. Every allocation is logged as Used BEFORE the page is written,
// and a release is logged only after the page is unmapped, so the log alone is always on the safe side. Two things
// could still turn it into a lie, and are handled here:
//   - The 4-bit journals wrap. Log pages are picked at random, so file order is not time order, and "highest journal
//     wins" is wrong once a page's journal wraps (Free 15 -> Used 0 would replay as Free). Replay instead orders a
//     page's records as a chain: they must be exactly master journal + 1, + 2, ... + n (mod 16), with n at most
//     MAX_CHAIN (the master record is rewritten before any page's chain can get longer). Anything else is
//     ambiguous and the page is taken as Used (leaked until the next master rewrite, never handed out).
//   - Rewriting the master record. It is written to a blank pair of FSCB pages first, then the log pages are erased,
//     then the old master. A cut before the new master is whole leaves the old master and its complete log; a cut
//     while the log is being erased leaves two valid masters and part of the log; a cut while the old master is
//     being erased leaves the new master and no log. Two valid masters at mount mean "a rewrite was cut": which is
//     the new one cannot be told, so each is replayed with only the records for pages it lists (records that may be
//     stale can then only break a chain, i.e. leak), a page is offered only if every master's view offers it, and the
//     rewrite is redone before anything is appended to the log. Log pages are chosen so that a blank pair of FSCB
//     pages always remains for the next master; images that lack one (the original's) fall back to erase-then-write,
//     where a cut leaves an empty cache: safe, but nothing is offered until rebuildSpace().
import { ecbDecrypt, ecbEncrypt } from '../crypto/ecb.ts';
import type { Flash } from '../flash/flash.ts';
import { PAGE_SIZE } from '../format/constants.ts';
import {
  FASTSPACE_ENTRIES,
  FASTSPACE_PAGES,
  SPACE_UPDATE_SIZE,
  SPACE_UPDATES_PER_PAGE,
  SpaceState,
  decodeSpaceUpdate,
  encodeSpaceUpdate,
  isErased,
  openMasterRecord,
  sealMasterRecord,
  type PhysPage,
} from '../format/fastspace.ts';
import { FSCB_PAGES, type Layout } from '../format/layout.ts';
import { randomBelow, randomBytes, shuffle, type Random } from '../../lib/random.ts';
import type { BasisKeys } from '../crypto/kdf.ts';

/**
 * Tunables. logFlushThreshold: the original rewrites the master record after this many log entries since mount
 * (tests lower it to exercise the rewrite).
 */
export const fastSpaceTuning = { logFlushThreshold: 3328 };
/** The 4-bit FastSpace journal: a freed page is offered again only while its journal has room to grow. */
const DIRTY_REUSE_LIMIT = 15;
/** Most log records one page may collect between master rewrites, so that its 4-bit journals stay ordered. */
const MAX_CHAIN = 14;

export class FastSpace {
  private readonly entries = new Map<number, PhysPage>();
  /** The pages `entries` lists, for uniform draws (see allocate). */
  private pageList: number[] = [];
  /** FSCB pages of every master record known valid (normally one pair; two pairs after a cut rewrite). */
  private masterPages = new Set<number>();
  /** Next free log slot: FSCB page index and record index (1..255). */
  private logPage: number | null = null;
  private logSlot = 0;
  private logCount = 0;
  /** Log records per page since the master record was written. */
  private readonly chain = new Map<number, number>();
  /** A master rewrite was cut short: redo it before anything is appended to the log. */
  private rewritePending = false;

  private constructor(
    private readonly flash: Flash,
    private readonly layout: Layout,
    private readonly keys: BasisKeys,
    private readonly dna: bigint,
    private readonly random: Random,
  ) {}

  /** Read the master record(s) and replay the log (see the header comment). No master: an empty cache. */
  static load(flash: Flash, layout: Layout, keys: BasisKeys, dna: bigint, random: Random): FastSpace {
    const fs = new FastSpace(flash, layout, keys, dna, random);
    const region = flash.read(layout.fscbOffset, FSCB_PAGES * PAGE_SIZE);
    const page = (i: number) => region.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
    const headerErased = (i: number) => isErased(page(i).subarray(0, SPACE_UPDATE_SIZE));
    const inRange = (e: PhysPage) => e.page < layout.dataPages;

    const masters: PhysPage[][] = [];
    for (let i = 0; i + FASTSPACE_PAGES <= FSCB_PAGES; i++) {
      if (headerErased(i)) continue;
      const entries = openMasterRecord(keys.data, region.subarray(i * PAGE_SIZE, (i + FASTSPACE_PAGES) * PAGE_SIZE), dna);
      if (!entries) continue;
      masters.push(entries.filter(inRange));
      for (let p = 0; p < FASTSPACE_PAGES; p++) fs.masterPages.add(i + p);
      i += FASTSPACE_PAGES - 1;
    }

    const records = new Map<number, PhysPage[]>();
    for (let i = 0; i < FSCB_PAGES; i++) {
      if (fs.masterPages.has(i) || !headerErased(i)) continue;
      const plain = ecbDecrypt(keys.pt, page(i));
      let slot = 1;
      for (; slot <= SPACE_UPDATES_PER_PAGE; slot++) {
        const at = slot * SPACE_UPDATE_SIZE;
        if (isErased(page(i).subarray(at, at + SPACE_UPDATE_SIZE))) break;
        const e = decodeSpaceUpdate(plain, at);
        if (!e || !inRange(e)) continue;
        const list = records.get(e.page);
        if (list) list.push(e);
        else records.set(e.page, [e]);
      }
      plain.fill(0);
      if (slot > 1 && slot <= SPACE_UPDATES_PER_PAGE) [fs.logPage, fs.logSlot] = [i, slot];
    }

    // A wholly zeroed FSCB page is never written, nor left by a cut: it is damage, and it may have held log
    // records that made pages Used. Offering anything could then overwrite live pages: offer nothing until the
    // cache is rebuilt (rebuildSpace, with every basis presented).
    const damaged = [...Array(FSCB_PAGES).keys()].some((i) => page(i).every((b) => b === 0));
    if (damaged) {
      fs.rewritePending = true;
    } else if (masters.length === 1) {
      fs.replay(masters[0], records, false);
    } else if (masters.length > 1) {
      const views = masters.map((m) => {
        const v = new FastSpace(flash, layout, keys, dna, random);
        v.replay(m, records, true);
        return v.entries;
      });
      for (const view of views) {
        for (const [p, e] of view) {
          if (fs.entries.has(p)) continue;
          const everywhere = views.every((v) => {
            const o = v.get(p);
            return o !== undefined && allocatable(o);
          });
          fs.entries.set(p, everywhere ? e : { page: p, state: SpaceState.Used, journal: e.journal });
          fs.chain.set(p, MAX_CHAIN);
        }
      }
      fs.rewritePending = true;
    } else {
      // No master (never written, a fallback rewrite cut short, or damage): nothing is offered; the log alone
      // cannot say which pages are free, so it is not trusted either.
      fs.rewritePending = records.size > 0;
    }
    return fs;
  }

  /** A fresh cache over `freePages` (format, or a full sweep with every basis presented), written to flash. */
  static create(flash: Flash, layout: Layout, keys: BasisKeys, dna: bigint, random: Random, freePages: number[]): FastSpace {
    const fs = new FastSpace(flash, layout, keys, dna, random);
    for (let i = 0; i < FSCB_PAGES; i++) {
      if (!isErased(flash.read(layout.fscbOffset + i * PAGE_SIZE, PAGE_SIZE))) fs.masterPages.add(i);
    }
    fs.regenerate(freePages);
    return fs;
  }

  /** How many pages the cache can hand out now. */
  get available(): number {
    return this.availableFor(() => false);
  }

  /**
   * How many pages allocate() could hand out, one after another, to a caller for whom `taken` pages are off limits;
   * counting stops at `enough` (a commit only needs to know whether its pages are there).
   */
  availableFor(taken: (page: number) => boolean, enough = Infinity): number {
    let n = 0;
    for (const e of this.entries.values()) if (allocatable(e) && !taken(e.page) && ++n >= enough) break;
    return n;
  }

  /** Pages the cache would hand out now (tests check none of them is live). */
  allocatable(): number[] {
    const out: number[] = [];
    for (const e of this.entries.values()) if (allocatable(e)) out.push(e.page);
    return out;
  }

  /** Pages the cache lists, any state (forensics and tests). */
  listed(): PhysPage[] {
    return [...this.entries.values()];
  }

  /**
   * A uniformly random page from the cache that `taken` does not claim, logged as Used before it is returned so a
   * power cut can only leak it, never hand it out twice. Null when the cache has run dry.
   */
  allocate(taken: (page: number) => boolean): number | null {
    // Rejection sampling: a uniform draw over all entries, kept only if it can be handed out, is a uniform draw
    // over those that can; most entries can, so this avoids scanning 2041 entries per page written.
    // Entries are only ever added (or all cleared), so the key list is rebuilt only when the count changes.
    if (this.pageList.length !== this.entries.size) this.pageList = [...this.entries.keys()];
    for (let tries = 0; tries < 16 && this.pageList.length > 0; tries++) {
      const e = this.entries.get(this.pageList[randomBelow(this.random, this.pageList.length)])!;
      if (allocatable(e) && !taken(e.page)) return this.take(e);
    }
    const candidates: PhysPage[] = [];
    for (const e of this.entries.values()) if (allocatable(e) && !taken(e.page)) candidates.push(e);
    if (candidates.length === 0) return null;
    return this.take(candidates[randomBelow(this.random, candidates.length)]);
  }

  private take(e: PhysPage): number {
    this.log({ page: e.page, state: SpaceState.Used, journal: (e.journal + 1) & 0xf });
    return e.page;
  }

  /** Give a retired page back (logged Dirty: reusable while its journal has room). */
  release(page: number): void {
    const e = this.entries.get(page);
    this.log({ page, state: SpaceState.Dirty, journal: e ? (e.journal + 1) & 0xf : randomBelow(this.random, 16) });
  }

  /**
   * Rebuild from a full list of free pages: a random (0.5 +/- 0.1) fraction of them, at most 2041, then the master
   * record is rewritten and the log cleared.
   */
  regenerate(freePages: number[]): void {
    const picked = shuffle(this.random, reservoir(this.random, freePages, 2048));
    const fraction = 0.5 + (randomBelow(this.random, 2001) - 1000) / 10_000;
    const keep = Math.min(FASTSPACE_ENTRIES, Math.max(1, Math.floor(freePages.length * fraction)));
    this.entries.clear();
    this.pageList = [];
    for (const page of picked.slice(0, freePages.length === 0 ? 0 : keep)) {
      this.entries.set(page, { page, state: SpaceState.Free, journal: randomBelow(this.random, 24) & 0xf });
    }
    this.writeMaster();
  }

  /**
   * Apply log records on top of one master record. `restricted`: only records for pages the master lists count
   * (the log may be stale: see the header comment).
   */
  private replay(master: PhysPage[], records: Map<number, PhysPage[]>, restricted: boolean): void {
    for (const e of master) this.entries.set(e.page, e);
    for (const [page, list] of records) {
      const base = this.entries.get(page);
      if (!base && restricted) continue;
      const latest = chainEnd(base, list);
      if (latest) {
        this.entries.set(page, latest);
        this.chain.set(page, list.length);
      } else {
        // Ambiguous: never offer it. Its journal continues from the highest seen, so the next record moves on.
        const journal = Math.max(base?.journal ?? 0, ...list.map((r) => r.journal));
        this.entries.set(page, { page, state: SpaceState.Used, journal });
        this.chain.set(page, MAX_CHAIN);
      }
    }
  }

  private log(e: PhysPage): void {
    this.entries.set(e.page, e);
    const n = (this.chain.get(e.page) ?? 0) + 1;
    this.chain.set(e.page, n);
    if (this.rewritePending || n > MAX_CHAIN || this.logCount >= fastSpaceTuning.logFlushThreshold) {
      this.writeMaster();
      return;
    }
    if (this.logPage === null || this.logSlot > SPACE_UPDATES_PER_PAGE) {
      const next = this.nextLogPage();
      if (next === null) {
        this.writeMaster();
        return;
      }
      [this.logPage, this.logSlot] = [next, 1];
    }
    const record = ecbEncrypt(this.keys.pt, encodeSpaceUpdate(e, randomBytes(this.random, 8)));
    this.flash.program(this.layout.fscbOffset + this.logPage * PAGE_SIZE + this.logSlot * SPACE_UPDATE_SIZE, record);
    this.logSlot++;
    this.logCount++;
  }

  /**
   * Write the master record to a blank pair of FSCB pages, then erase the log (and any debris), then the old master
   * (this order is what the header comment's crash argument needs). Without a blank pair, erase first, then write.
   */
  private writeMaster(): void {
    const sector0 = this.layout.fscbOffset / PAGE_SIZE;
    const blank = this.blankMap();
    const pairs: number[] = [];
    for (let i = 0; i + FASTSPACE_PAGES <= FSCB_PAGES; i++) if (blank[i] && blank[i + 1]) pairs.push(i);
    const record = sealMasterRecord(this.keys.data, randomBytes(this.random, 12), this.masterEntries(), this.dna);
    let at: number;
    if (pairs.length > 0) {
      at = pairs[randomBelow(this.random, pairs.length)];
      this.programMaster(at, record);
      for (let i = 0; i < FSCB_PAGES; i++) {
        if (!blank[i] && !this.masterPages.has(i) && (i < at || i >= at + FASTSPACE_PAGES)) this.flash.erase(sector0 + i);
      }
      for (const i of this.masterPages) if (i < at || i >= at + FASTSPACE_PAGES) this.flash.erase(sector0 + i);
    } else {
      // The old master goes first: a cut then leaves no master (an empty cache), never one without its full log.
      for (const i of this.masterPages) if (!blank[i]) this.flash.erase(sector0 + i);
      for (let i = 0; i < FSCB_PAGES; i++) if (!blank[i] && !this.masterPages.has(i)) this.flash.erase(sector0 + i);
      at = randomBelow(this.random, FSCB_PAGES - FASTSPACE_PAGES + 1);
      this.programMaster(at, record);
    }
    this.masterPages = new Set(Array.from({ length: FASTSPACE_PAGES }, (_, p) => at + p));
    this.chain.clear();
    this.rewritePending = false;
    [this.logPage, this.logSlot, this.logCount] = [null, 0, 0];
  }

  private programMaster(at: number, record: Uint8Array): void {
    for (let p = 0; p < FASTSPACE_PAGES; p++) {
      this.flash.program(this.layout.fscbOffset + (at + p) * PAGE_SIZE, record.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE));
    }
  }

  /** At most 2041 entries: the ones that can be handed out first, then Used ones (they anchor later chains). */
  private masterEntries(): PhysPage[] {
    const all = [...this.entries.values()];
    if (all.length <= FASTSPACE_ENTRIES) return all;
    return [...all.filter(allocatable), ...all.filter((e) => !allocatable(e))].slice(0, FASTSPACE_ENTRIES);
  }

  /** Which FSCB pages are wholly erased. */
  private blankMap(): boolean[] {
    const region = this.flash.read(this.layout.fscbOffset, FSCB_PAGES * PAGE_SIZE);
    return Array.from({ length: FSCB_PAGES }, (_, i) => isErased(region.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE)));
  }

  /** A random blank page for the log that leaves a blank pair for the next master; null when there is none. */
  private nextLogPage(): number | null {
    const blank = this.blankMap();
    const ok: number[] = [];
    for (let i = 0; i < FSCB_PAGES; i++) {
      if (!blank[i] || i === this.logPage) continue;
      blank[i] = false;
      let pair = false;
      for (let j = 0; j + 1 < FSCB_PAGES && !pair; j++) pair = blank[j] && blank[j + 1];
      blank[i] = true;
      if (pair) ok.push(i);
    }
    return ok.length === 0 ? null : ok[randomBelow(this.random, ok.length)];
  }
}

function allocatable(e: PhysPage): boolean {
  return e.state === SpaceState.Free || (e.state === SpaceState.Dirty && e.journal < DIRTY_REUSE_LIMIT);
}

/**
 * The last record of a page's chain, or null when the records do not form one: with a master entry they must carry
 * exactly its journal + 1 .. + n (mod 16); without one, n consecutive journals starting with a release (a page the
 * master does not list can only come back through a release).
 */
function chainEnd(base: PhysPage | undefined, list: PhysPage[]): PhysPage | null {
  const n = list.length;
  if (n > MAX_CHAIN) return null;
  const byJournal = new Map<number, PhysPage>();
  for (const r of list) {
    if (byJournal.has(r.journal)) return null;
    byJournal.set(r.journal, r);
  }
  let start: number;
  if (base) start = (base.journal + 1) & 0xf;
  else {
    const starts = [...byJournal.keys()].filter((j) => !byJournal.has((j + 15) & 0xf));
    if (starts.length !== 1) return null;
    start = starts[0];
    if (byJournal.get(start)!.state !== SpaceState.Dirty) return null;
  }
  for (let k = 0; k < n; k++) if (!byJournal.has((start + k) & 0xf)) return null;
  return byJournal.get((start + n - 1) & 0xf)!;
}

/** A uniform sample of at most `cap` items (reservoir sampling, as the original bounds its memory). */
function reservoir(random: Random, items: number[], cap: number): number[] {
  const out: number[] = [];
  items.forEach((item, i) => {
    if (i < cap) out.push(item);
    else {
      const j = randomBelow(random, i + 1);
      if (j < cap) out[j] = item;
    }
  });
  return out;
}
