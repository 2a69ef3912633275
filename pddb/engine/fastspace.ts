// FastSpace: the .System-encrypted cache of pages known to be free, in the FSCB (backend/fastspace.rs): a master
// record listing about half of the free pages (at most 2041) and the SpaceUpdate log.
//
// What the boot PIN shows. Whoever has .System's keys reads the master record and the log, so neither may say
// anything about pages that other bases took. Pages leave the cache only by a master rewrite that omits them: a
// rewrite takes out what a commit needs plus some slack (the reserve, kept in memory), and allocations are drawn
// from the reserve. A released page (unmapped and scrubbed by whichever basis held it) is kept in memory and
// listed again by the next rewrite as Free with a fresh journal, exactly like a page listed at format. Entries are
// shuffled at every rewrite. Nothing is ever logged, so the log is empty at rest and its rate is 0 whatever happens
// (a log found at mount, from the original or an older image, is replayed and erased by the next rewrite). At rest
// the master therefore lists Free entries of free pages, nothing else: a page taken by a locked basis and a free
// page the cache does not list are both simply absent. What is left to count is sizes: listed + mapped (all bases)
// + leaked = what regenerate() listed, a random fraction of the free pages held below the 2041 cap by a random
// margin, so a small basis hides in that noise. (The original logs every allocation as Used under .System's keys
// until its next master rewrite: a secret basis's recent pages and its write rate show until then.)
//
// Crash safety. What must never happen is that FastSpace, after a power cut, offers a page some basis (open or
// locked) maps: that page would be overwritten.
//   1. A page is handed out only from the reserve: pages the master on flash omits. The rewrite that omitted them
//      finished (new master whole, old one erased) before allocate() returns, so whatever the page is used for, a
//      cut can only leave it unlisted: leaked, never offered.
//   2. A page is listed only when known free: released (its basis unmapped it in the table and scrubbed it before
//      calling release), returned from the reserve unwritten, or found free by a full scan with every basis
//      presented (regenerate: format and rebuildSpace).
//   3. A rewrite writes the new master to a blank pair of FSCB pages, then erases the log, any debris and the old
//      master. A cut before the new master is whole leaves the old one, whose pages are all still free (nothing the
//      new one omits has been handed out yet). A cut after it may leave two valid masters: mount then offers only
//      pages that both list (the new one omits the reserve; released pages that only the new one lists are leaked)
//      and every allocation after a mount starts with a rewrite. Without a blank pair (the original's images) the
//      old master is erased first: a cut leaves none, and nothing is offered until rebuildSpace().
//   4. A log found at mount is trusted only where it is unambiguous. The 4-bit journals wrap and log pages are
//      picked at random, so "highest journal wins" is wrong; replay orders each page's records as a chain that must
//      be exactly master journal + 1, + 2, ... + n (mod 16), n at most MAX_CHAIN. Anything else leaves the page out.
//      With two masters each is replayed with only the records for pages it lists.
// A cut thus leaks at most the reserve and the releases since the last rewrite. The engine ends every durable
// operation with flush() (engine.ts settle), so at rest nothing is in the reserve and nothing awaits listing: only a
// cut inside a sync leaks, about what that sync took and gave back (4-5 pages for a small write). Leaked pages look
// like any other unlisted free page; rebuildSpace() with every basis presented lists them again.
//
// Leaky variant, for tests and the deniability lab only (FastSpaceOptions.keepUsedRecords): every page handed out
// stays in the master as a Used entry until it is released, as this engine did before: the PIN holder can then
// count the pages of every secret basis.
import { ecbDecrypt } from '../crypto/ecb.ts';
import type { Flash } from '../flash/flash.ts';
import { PAGE_SIZE } from '../format/constants.ts';
import {
  FASTSPACE_ENTRIES,
  FASTSPACE_PAGES,
  SPACE_UPDATE_SIZE,
  SPACE_UPDATES_PER_PAGE,
  SpaceState,
  decodeSpaceUpdate,
  isErased,
  openMasterRecord,
  sealMasterRecord,
  type PhysPage,
} from '../format/fastspace.ts';
import { FSCB_PAGES, type Layout } from '../format/layout.ts';
import { randomBelow, randomBytes, shuffle, type Random } from '../../lib/random.ts';
import type { BasisKeys } from '../crypto/kdf.ts';

export interface FastSpaceOptions {
  /** Pages a master rewrite takes out beyond what the caller asks for, so that several syncs share one rewrite. */
  reserveSlack?: number;
  /** Tests and forensics only: keep Used entries in the master (the leak issue 7 closed). */
  keepUsedRecords?: boolean;
  /** Tests and forensics only: list every free page on a rebuild and hand out the lowest first (a leak the lab must catch). */
  addressOrder?: boolean;
}

/**
 * Beyond what a commit asks for, so that the rest of its sync (the second pass that scrubs superseded small values,
 * the other open bases) rarely needs a rewrite of its own. Every pre-cut page in the reserve leaks on a cut, and
 * the engine flushes at the end of each sync anyway (engine.ts settle), so more buys nothing: measured on 4 MiB, 200
 * small writes, erases per write 29.6 / 30.1 / 31.2 and pages leaked per cut 4.3 / 16.1 / 2.4 for slack 2 / 16 / 0.
 */
const RESERVE_SLACK = 2;
/** regenerate() lists up to this many fewer than the 2041 slots, so that even a full cache's size is noise. */
const CAP_MARGIN = 256;
/** The 4-bit FastSpace journal: a freed page is offered again only while its journal has room to grow. */
const DIRTY_REUSE_LIMIT = 15;
/** Most log records one page may have between master rewrites for its 4-bit journals to stay ordered. */
const MAX_CHAIN = 14;

export class FastSpace {
  /** What the master record on flash lists: pages known free. */
  private readonly listed = new Map<number, PhysPage>();
  /** Pages the master on flash omits, known free and not handed out yet. */
  private readonly reserve = new Map<number, PhysPage>();
  /** Pages given back since the last rewrite (unmapped and scrubbed); the next rewrite lists them. */
  private released: number[] = [];
  /** Leaky variant only: pages handed out, kept as Used entries. */
  private readonly used = new Map<number, PhysPage>();
  /** FSCB pages of every master record known valid (normally one pair; two pairs after a cut rewrite). */
  private masterPages = new Set<number>();
  /** The FSCB holds more than `listed` (a log, a second master, damage): flush() rewrites even with nothing new. */
  private rewritePending = false;
  private readonly slack: number;
  private readonly leaky: boolean;
  private readonly addressOrder: boolean;

  private constructor(
    private readonly flash: Flash,
    private readonly layout: Layout,
    private readonly keys: BasisKeys,
    private readonly dna: bigint,
    private readonly random: Random,
    opts: FastSpaceOptions,
  ) {
    this.slack = opts.reserveSlack ?? RESERVE_SLACK;
    this.leaky = opts.keepUsedRecords ?? false;
    this.addressOrder = opts.addressOrder ?? false;
    if (!Number.isSafeInteger(this.slack) || this.slack < 0)
      throw new RangeError('reserveSlack is a non-negative integer');
  }

  /** Read the master record(s) and replay any log (see the header comment). No master: an empty cache. */
  static load(
    flash: Flash,
    layout: Layout,
    keys: BasisKeys,
    dna: bigint,
    random: Random,
    opts: FastSpaceOptions = {},
  ): FastSpace {
    const fs = new FastSpace(flash, layout, keys, dna, random, opts);
    const region = flash.read(layout.fscbOffset, FSCB_PAGES * PAGE_SIZE);
    const page = (i: number) => region.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
    const headerErased = (i: number) => isErased(page(i).subarray(0, SPACE_UPDATE_SIZE));
    const inRange = (e: PhysPage) => e.page < layout.dataPages;

    const masters: PhysPage[][] = [];
    for (let i = 0; i + FASTSPACE_PAGES <= FSCB_PAGES; i++) {
      if (headerErased(i)) continue;
      const entries = openMasterRecord(
        keys.data,
        region.subarray(i * PAGE_SIZE, (i + FASTSPACE_PAGES) * PAGE_SIZE),
        dna,
      );
      if (!entries) continue;
      masters.push(entries.filter(inRange));
      for (let p = 0; p < FASTSPACE_PAGES; p++) fs.masterPages.add(i + p);
      i += FASTSPACE_PAGES - 1;
    }

    const records = new Map<number, PhysPage[]>();
    for (let i = 0; i < FSCB_PAGES; i++) {
      if (fs.masterPages.has(i) || !headerErased(i)) continue;
      const plain = ecbDecrypt(keys.pt, page(i));
      for (let slot = 1; slot <= SPACE_UPDATES_PER_PAGE; slot++) {
        const at = slot * SPACE_UPDATE_SIZE;
        if (isErased(page(i).subarray(at, at + SPACE_UPDATE_SIZE))) break;
        const e = decodeSpaceUpdate(plain, at);
        if (!e || !inRange(e)) continue;
        const list = records.get(e.page);
        if (list) list.push(e);
        else records.set(e.page, [e]);
      }
      plain.fill(0);
    }

    // A wholly zeroed FSCB page is never written, nor left by a cut: it is damage, and it may have held log
    // records that made pages Used. Offering anything could then overwrite live pages: offer nothing until the
    // cache is rebuilt (rebuildSpace, with every basis presented).
    const damaged = [...Array(FSCB_PAGES).keys()].some((i) => page(i).every((b) => b === 0));
    if (damaged) {
      fs.rewritePending = true;
    } else if (masters.length === 1) {
      fs.adopt(replay(masters[0], records, false).values());
      fs.rewritePending = records.size > 0;
    } else if (masters.length > 1) {
      // A rewrite was cut short and which master is the new one cannot be told: offer what every view offers.
      const views = masters.map((m) => replay(m, records, true));
      fs.adopt([...views[0].values()].filter((e) => views.every((v) => allocatable(v.get(e.page)))));
      fs.rewritePending = true;
    } else {
      // No master (never written, a fallback rewrite cut short, or damage): nothing is offered; the log alone
      // cannot say which pages are free, so it is not trusted either.
      fs.rewritePending = records.size > 0;
    }
    return fs;
  }

  /** A fresh cache over `freePages` (format, or a full sweep with every basis presented), written to flash. */
  static create(
    flash: Flash,
    layout: Layout,
    keys: BasisKeys,
    dna: bigint,
    random: Random,
    freePages: number[],
    opts: FastSpaceOptions = {},
  ): FastSpace {
    const fs = new FastSpace(flash, layout, keys, dna, random, opts);
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
    for (const p of this.allocatable()) if (!taken(p) && ++n >= enough) break;
    return n;
  }

  /** Pages the cache could hand out now (tests check none of them is live). */
  allocatable(): number[] {
    const out = [...this.reserve.keys(), ...this.released];
    for (const e of this.listed.values()) if (allocatable(e)) out.push(e.page);
    return out;
  }

  /** Every page the cache knows to be free, whether it would hand it out or not (churn refreshes their noise). */
  knownFree(): number[] {
    return [...this.reserve.keys(), ...this.released, ...this.listed.keys()];
  }

  /**
   * Make sure `n` pages can be handed out without another rewrite: when the reserve is short, one master rewrite
   * takes out what is missing plus the slack (see the header comment). False, with nothing written, when the cache
   * cannot supply them: the caller fails before touching flash.
   */
  prepare(n: number, taken: (page: number) => boolean): boolean {
    let have = 0;
    for (const p of this.reserve.keys()) if (!taken(p)) have++;
    if (have >= n) return true;
    if (this.availableFor(taken, n) < n) return false;
    this.writeMaster(n - have + this.slack, taken);
    return true;
  }

  /** A uniformly random page of the reserve that `taken` does not claim (refilled first if it ran out); null when dry. */
  allocate(taken: (page: number) => boolean): number | null {
    if (!this.prepare(1, taken)) return null;
    const candidates = [...this.reserve.values()].filter((e) => !taken(e.page));
    const e = this.addressOrder
      ? candidates.reduce((a, b) => (b.page < a.page ? b : a))
      : candidates[randomBelow(this.random, candidates.length)];
    this.reserve.delete(e.page);
    if (this.leaky) this.used.set(e.page, { page: e.page, state: SpaceState.Used, journal: (e.journal + 1) & 0xf });
    return e.page;
  }

  /** Give back a page its basis has unmapped and scrubbed; the next rewrite lists it again. */
  release(page: number): void {
    this.released.push(page);
    this.used.delete(page);
  }

  /** Make the cache on flash list everything known free (the reserve and the releases): a rewrite, if anything is pending. */
  flush(): void {
    if (this.released.length > 0 || this.reserve.size > 0 || this.rewritePending) this.writeMaster(0, () => false);
  }

  /**
   * Rebuild from a full list of free pages: a random (0.5 +/- 0.1) fraction of them, at most 2041 less a random
   * margin, then the master record is rewritten and the log cleared.
   */
  regenerate(freePages: number[]): void {
    const picked = shuffle(this.random, reservoir(this.random, freePages, 2048));
    // The address-order variant lists every free page, as a naive allocator's free list would.
    const fraction = this.addressOrder ? 1 : 0.5 + (randomBelow(this.random, 2001) - 1000) / 10_000;
    const cap = FASTSPACE_ENTRIES - randomBelow(this.random, CAP_MARGIN);
    const keep = Math.min(cap, Math.max(1, Math.floor(freePages.length * fraction)));
    this.listed.clear();
    this.reserve.clear();
    this.used.clear();
    this.released = [];
    for (const page of picked.slice(0, freePages.length === 0 ? 0 : keep)) this.listed.set(page, this.freshEntry(page));
    this.writeMaster(0, () => false);
  }

  /** Take the entries a replay ended with: Free and Dirty ones are listed; the rest only the leaky variant keeps. */
  private adopt(entries: Iterable<PhysPage>): void {
    for (const e of entries) {
      if (e.state === SpaceState.Free || e.state === SpaceState.Dirty) this.listed.set(e.page, e);
      else if (this.leaky) this.used.set(e.page, e);
    }
  }

  /** A listed entry as format makes them: Free, with a random journal (it tells nothing of the page's past). */
  private freshEntry(page: number): PhysPage {
    return { page, state: SpaceState.Free, journal: randomBelow(this.random, 24) & 0xf };
  }

  /**
   * One master rewrite: list the releases (and, when nothing is taken out, the reserve), take `takeOut` random
   * listed pages that `taken` does not claim into the reserve, and write the master to a blank pair of FSCB pages,
   * then erase the log (and any debris), then the old master (the order the header comment's argument needs).
   * Without a blank pair: erase first, then write.
   */
  private writeMaster(takeOut: number, taken: (page: number) => boolean): void {
    for (const p of this.released) this.listed.set(p, this.freshEntry(p));
    this.released = [];
    if (takeOut === 0) {
      for (const e of this.reserve.values()) this.listed.set(e.page, e);
      this.reserve.clear();
    } else {
      const candidates = shuffle(
        this.random,
        [...this.listed.values()].filter((e) => allocatable(e) && !taken(e.page)),
      );
      if (this.addressOrder) candidates.sort((a, b) => a.page - b.page);
      for (const e of candidates.slice(0, takeOut)) {
        this.listed.delete(e.page);
        this.reserve.set(e.page, e);
      }
    }
    const entries = shuffle(this.random, [...this.listed.values()]);
    // Beyond 2041 entries (only after a rebuild lists pages that were leaked), the rest are left out: leaked again.
    for (const e of entries.slice(FASTSPACE_ENTRIES)) this.listed.delete(e.page);
    const record = sealMasterRecord(
      this.keys.data,
      randomBytes(this.random, 12),
      [...entries, ...this.used.values()].slice(0, FASTSPACE_ENTRIES),
      this.dna,
    );
    const sector0 = this.layout.fscbOffset / PAGE_SIZE;
    const blank = this.blankMap();
    const pairs: number[] = [];
    for (let i = 0; i + FASTSPACE_PAGES <= FSCB_PAGES; i++) if (blank[i] && blank[i + 1]) pairs.push(i);
    let at: number;
    if (pairs.length > 0) {
      at = pairs[randomBelow(this.random, pairs.length)];
      this.programMaster(at, record);
      for (let i = 0; i < FSCB_PAGES; i++) {
        if (!blank[i] && !this.masterPages.has(i) && (i < at || i >= at + FASTSPACE_PAGES))
          this.flash.erase(sector0 + i);
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
    this.rewritePending = false;
  }

  private programMaster(at: number, record: Uint8Array): void {
    for (let p = 0; p < FASTSPACE_PAGES; p++) {
      this.flash.program(
        this.layout.fscbOffset + (at + p) * PAGE_SIZE,
        record.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE),
      );
    }
  }

  /** Which FSCB pages are wholly erased. */
  private blankMap(): boolean[] {
    const region = this.flash.read(this.layout.fscbOffset, FSCB_PAGES * PAGE_SIZE);
    return Array.from({ length: FSCB_PAGES }, (_, i) => isErased(region.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE)));
  }
}

/**
 * The entries one master record and the log give: the master's, each page's log records applied on top where they
 * form a chain (see chainEnd), Used where they do not. `restricted`: only records for pages the master lists count
 * (with two masters the log may be stale: see the header comment).
 */
function replay(master: PhysPage[], records: Map<number, PhysPage[]>, restricted: boolean): Map<number, PhysPage> {
  const out = new Map<number, PhysPage>();
  for (const e of master) out.set(e.page, e);
  for (const [page, list] of records) {
    const base = out.get(page);
    if (!base && restricted) continue;
    out.set(page, chainEnd(base, list) ?? { page, state: SpaceState.Used, journal: 0 });
  }
  return out;
}

function allocatable(e: PhysPage | undefined): boolean {
  if (!e) return false;
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
