// FastSpace: the .System-encrypted cache of pages believed free, and the SpaceUpdate log of what was taken from it
// or given back since it was last written (backend/fastspace.rs). It deliberately holds only about half of the
// free pages (capped at 2041): an adversary who can read it with the boot PIN cannot subtract it from the disk to
// find the pages of bases they were not shown.
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
import { randomBelow, randomBytes, randomU32, shuffle, type Random } from '../../lib/random.ts';
import type { BasisKeys } from '../crypto/kdf.ts';

/** The original rewrites the master record after this many log entries since mount. */
const LOG_FLUSH_THRESHOLD = 3328;
/** The 4-bit FastSpace journal: a freed page is offered again only while its journal has room to grow. */
const DIRTY_REUSE_LIMIT = 15;

export class FastSpace {
  private readonly entries = new Map<number, PhysPage>();
  /** FSCB page indices of the master record, or null when there is none. */
  private masterAt: number | null = null;
  /** Next free log slot: FSCB page index and record index (1..255). */
  private logPage: number | null = null;
  private logSlot = 0;
  private logCount = 0;

  private constructor(
    private readonly flash: Flash,
    private readonly layout: Layout,
    private readonly keys: BasisKeys,
    private readonly dna: bigint,
    private readonly random: Random,
  ) {}

  /** Read the master record and replay the log. An unreadable master leaves an empty cache (NoFreeSpace later). */
  static load(flash: Flash, layout: Layout, keys: BasisKeys, dna: bigint, random: Random): FastSpace {
    const fs = new FastSpace(flash, layout, keys, dna, random);
    const region = flash.read(layout.fscbOffset, FSCB_PAGES * PAGE_SIZE);
    const page = (i: number) => region.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
    for (let i = 0; i + 1 < FSCB_PAGES; i++) {
      if (isErased(page(i).subarray(0, SPACE_UPDATE_SIZE))) continue;
      const entries = openMasterRecord(keys.data, region.subarray(i * PAGE_SIZE, (i + FASTSPACE_PAGES) * PAGE_SIZE), dna);
      if (entries) {
        fs.masterAt = i;
        for (const e of entries) if (e.state === SpaceState.Free) fs.entries.set(e.page, e);
      }
      break;
    }
    for (let i = 0; i < FSCB_PAGES; i++) {
      if (fs.isMasterPage(i) || !isErased(page(i).subarray(0, SPACE_UPDATE_SIZE))) continue;
      const plain = ecbDecrypt(keys.pt, page(i));
      let slot = 1;
      for (; slot <= SPACE_UPDATES_PER_PAGE; slot++) {
        const at = slot * SPACE_UPDATE_SIZE;
        if (isErased(page(i).subarray(at, at + SPACE_UPDATE_SIZE))) break;
        const e = decodeSpaceUpdate(plain, at);
        if (!e) continue;
        const cached = fs.entries.get(e.page);
        if (!cached || e.journal >= cached.journal) fs.entries.set(e.page, e);
      }
      if (slot > 1 && slot <= SPACE_UPDATES_PER_PAGE) [fs.logPage, fs.logSlot] = [i, slot];
    }
    return fs;
  }

  /** A fresh cache over `freePages` (format, or a full sweep with every basis presented), written to flash. */
  static create(flash: Flash, layout: Layout, keys: BasisKeys, dna: bigint, random: Random, freePages: number[]): FastSpace {
    const fs = new FastSpace(flash, layout, keys, dna, random);
    fs.regenerate(freePages);
    return fs;
  }

  /** How many pages the cache can hand out now. */
  get available(): number {
    let n = 0;
    for (const e of this.entries.values()) if (allocatable(e)) n++;
    return n;
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
    const candidates: PhysPage[] = [];
    for (const e of this.entries.values()) if (allocatable(e) && !taken(e.page)) candidates.push(e);
    if (candidates.length === 0) return null;
    const pick = candidates[randomBelow(this.random, candidates.length)];
    this.log({ page: pick.page, state: SpaceState.Used, journal: (pick.journal + 1) & 0xf });
    return pick.page;
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
    for (const page of picked.slice(0, freePages.length === 0 ? 0 : keep)) {
      this.entries.set(page, { page, state: SpaceState.Free, journal: randomBelow(this.random, 24) & 0xf });
    }
    this.writeMaster();
  }

  private log(e: PhysPage): void {
    this.entries.set(e.page, e);
    if (this.logCount >= LOG_FLUSH_THRESHOLD) {
      this.writeMaster();
      return;
    }
    if (this.logPage === null || this.logSlot > SPACE_UPDATES_PER_PAGE) {
      const blank = this.blankPages();
      if (blank.length === 0) {
        this.writeMaster();
        return;
      }
      [this.logPage, this.logSlot] = [blank[randomBelow(this.random, blank.length)], 1];
    }
    const record = ecbEncrypt(this.keys.pt, encodeSpaceUpdate(e, randomBytes(this.random, 8)));
    this.flash.program(this.layout.fscbOffset + this.logPage * PAGE_SIZE + this.logSlot * SPACE_UPDATE_SIZE, record);
    this.logSlot++;
    this.logCount++;
  }

  /**
   * Erase the whole FSCB, then write the master record at a random page pair. Erasing first means a power cut
   * between the two leaves no record (an empty cache: safe) rather than a stale one that lists used pages as free.
   */
  private writeMaster(): void {
    const sector0 = this.layout.fscbOffset / PAGE_SIZE;
    const region = this.flash.read(this.layout.fscbOffset, FSCB_PAGES * PAGE_SIZE);
    for (let i = 0; i < FSCB_PAGES; i++) {
      if (!isErased(region.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE))) this.flash.erase(sector0 + i);
    }
    const at = randomU32(this.random) % (FSCB_PAGES - 1);
    const record = sealMasterRecord(this.keys.data, randomBytes(this.random, 12), [...this.entries.values()].slice(0, FASTSPACE_ENTRIES), this.dna);
    for (let p = 0; p < FASTSPACE_PAGES; p++) {
      this.flash.program(this.layout.fscbOffset + (at + p) * PAGE_SIZE, record.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE));
    }
    this.masterAt = at;
    [this.logPage, this.logSlot, this.logCount] = [null, 0, 0];
  }

  private isMasterPage(i: number): boolean {
    return this.masterAt !== null && i >= this.masterAt && i < this.masterAt + FASTSPACE_PAGES;
  }

  private blankPages(): number[] {
    const out: number[] = [];
    for (let i = 0; i < FSCB_PAGES; i++) {
      if (this.isMasterPage(i) || i === this.logPage) continue;
      if (isErased(this.flash.read(this.layout.fscbOffset + i * PAGE_SIZE, PAGE_SIZE))) out.push(i);
    }
    return out;
  }
}

function allocatable(e: PhysPage): boolean {
  return e.state === SpaceState.Free || (e.state === SpaceState.Dirty && e.journal < DIRTY_REUSE_LIMIT);
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
