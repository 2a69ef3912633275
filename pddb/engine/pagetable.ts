// The page table as the engine sees it: an in-memory copy of the effective table (flash pages, with pages being
// updated replaced by their MBBB shadows), bulk trial decryption per basis, and updates through the make-before-break
// buffer.
//
// An update is a list of steps that must reach flash in order (a commit's new mappings before the old ones go, and
// so on). It is packed into as few MBBB cycles as the order allows. One cycle updates up to five table pages:
// (1) the patched copy of each page goes to the MBBB, twice (two random slots per page), page after page; (2) each
// table page is erased and reprogrammed from its copy, in the same order; (3) the MBBB slots are erased. (The
// original, hw.rs feature mbbb, shadows one page per update and defers (2) and (3) to the next update, so between
// updates one table page sits blank with its live copy in the MBBB; we finish each cycle, so the table on flash is
// whole and the MBBB blank between cycles, and damage to one table page costs only that page's entries.)
// Neither kind of page carries a checksum, and a torn program or erase can leave a page that LOOKS whole (a few
// bytes short, or a few bytes erased, inside one entry). So a shadow counts only when two slots hold identical bytes,
// and mount applies every such pair: during (1) a cut leaves the pairs of a prefix of the cycle's pages, so their
// changes are applied and the rest not; from the end of (1) until (3) starts every pair is complete and the whole
// cycle is applied; during (3) the pairs left equal their table pages. The target of a pair is the table page
// agreeing with it on at least one entry (one it did not patch: a page all of whose entries change is split over
// two cycles for this), else, when the target is erased too far to agree on anything (only the one page being
// rewritten can be), the page with the most erased entries.
// The order of steps survives because mount sees a prefix of the pages of a cycle: a cycle holds consecutive steps
// and orders its pages so that every page comes after all pages holding changes of earlier steps than its own
// latest change. Steps whose pages cannot be so ordered (a page touched by steps 1 and 3 and another by step 2)
// go in separate cycles, one after the other.
// An image in the original's state (one MBBB page, one wholly blank table page) is read the original's way: the blank
// page comes from the MBBB.
import { ecbDecrypt, ecbEncrypt } from '../crypto/ecb.ts';
import type { Flash } from '../flash/flash.ts';
import { PAGE_SIZE, PTE_SIZE } from '../format/constants.ts';
import { isErased } from '../format/fastspace.ts';
import { MBBB_PAGES, type Layout } from '../format/layout.ts';
import { decodePte, encodePte } from '../format/pte.ts';
import { randomBytes, shuffle, type Random } from '../../lib/random.ts';
import { bytesEqual } from '../crypto/bytes.ts';

const ENTRIES_PER_PAGE = PAGE_SIZE / PTE_SIZE;

export interface MappedPage {
  phys: number;
  vpage: number;
  nonce: number;
}

/** Entry changes that reach flash together (or in any order among themselves): new mappings and erased entries. */
export interface TableStep {
  map: MappedPage[];
  erase: number[];
}

/** Table pages one MBBB cycle can update: two slots each. */
const PAGES_PER_CYCLE = MBBB_PAGES / 2;

export class PageTable {
  /** The effective table: what the entries are, whatever transient state the flash pages are in. */
  private readonly table: Uint8Array;
  /** Table pages whose live copy is in the MBBB (found so by load, or mid-cycle), in the order to rewrite them. */
  private readonly pendingRestore = new Set<number>();
  /** MBBB slots that are not fully erased on flash. */
  private readonly usedSlots = new Set<number>();

  private constructor(
    private readonly flash: Flash,
    private readonly layout: Layout,
    private readonly random: Random,
  ) {
    this.table = new Uint8Array(layout.ptPages * PAGE_SIZE);
  }

  /** Read the table, substituting the MBBB shadow for the page it shadows (see the header comment). */
  static load(flash: Flash, layout: Layout, random: Random): PageTable {
    const pt = new PageTable(flash, layout, random);
    flash.readInto(layout.ptOffset, pt.table);
    const slots: Uint8Array[] = [];
    for (let slot = 0; slot < MBBB_PAGES; slot++) {
      const bytes = flash.read(layout.mbbbOffset + slot * PAGE_SIZE, PAGE_SIZE);
      if (isErased(bytes)) continue;
      pt.usedSlots.add(slot);
      // A slot with a blank or zeroed entry is debris (a torn write or erase) or damage, never a shadow.
      if (!hasBadEntry(bytes)) slots.push(bytes);
    }
    const shadows = identicalPairs(slots);
    if (shadows.length > 0) {
      for (const [target, shadow] of pt.targetsOf(shadows)) {
        pt.pageBytes(target).set(shadow);
        pt.pendingRestore.add(target);
      }
    } else if (slots.length === 1) {
      // The original's protocol (one shadow, for the table page left blank), or our pair with one copy damaged.
      // Our own cuts never leave a wholly blank table page without a complete pair, so this cannot misfire on them.
      const blank = [...Array(layout.ptPages).keys()].filter((p) => isErased(pt.pageBytes(p)));
      if (blank.length === 1) {
        pt.pageBytes(blank[0]).set(slots[0]);
        pt.pendingRestore.add(blank[0]);
      }
    }
    return pt;
  }

  /** A fresh table of random entries (format). Written straight to flash: nothing is live yet. */
  static format(flash: Flash, layout: Layout, random: Random): PageTable {
    const pt = new PageTable(flash, layout, random);
    random.fill(pt.table);
    // An all-0xFF entry would read as damage; the chance is 2^-128 per entry, but format is cheap to make exact.
    for (let page = 0; page < layout.ptPages; page++) {
      const bytes = pt.pageBytes(page);
      for (let e = 0; e < ENTRIES_PER_PAGE; e++)
        if (isErased(bytes.subarray(e * PTE_SIZE, (e + 1) * PTE_SIZE))) bytes[e * PTE_SIZE] = 0;
      flash.erase(page + layout.ptOffset / PAGE_SIZE);
      flash.program(layout.ptOffset + page * PAGE_SIZE, bytes);
    }
    return pt;
  }

  /** Every data page whose entry decrypts under `ptKey` with a matching checksum. */
  scan(ptKey: Uint8Array): MappedPage[] {
    return this.scanRange(ptKey, 0, this.layout.dataPages);
  }

  /**
   * Entries past the last data page that decrypt under `ptKey`: they map pages the device does not have (an image
   * cut short), or are random fill that happens to pass the 32-bit checksum.
   */
  scanBeyondData(ptKey: Uint8Array): MappedPage[] {
    return this.scanRange(ptKey, this.layout.dataPages, this.layout.ptPages * ENTRIES_PER_PAGE);
  }

  private scanRange(ptKey: Uint8Array, from: number, to: number): MappedPage[] {
    const out: MappedPage[] = [];
    if (to <= from) return out;
    const plain = ecbDecrypt(ptKey, this.table.subarray(from * PTE_SIZE, to * PTE_SIZE));
    for (let phys = from; phys < to; phys++) {
      const f = decodePte(plain, (phys - from) * PTE_SIZE);
      if (f) out.push({ phys, vpage: f.vpage, nonce: f.nonce });
    }
    plain.fill(0);
    return out;
  }

  /** One step of entry changes: `map` entries get an encrypted mapping, `erase` entries get random bytes. */
  update(ptKey: Uint8Array, map: MappedPage[], erase: number[]): void {
    this.updateInSteps(ptKey, [{ map, erase }]);
  }

  /**
   * Apply steps of entry changes in order, packed into as few MBBB cycles as that order allows (see the header
   * comment): after a cut, a later step's change is on flash only if every earlier step's is.
   */
  updateInSteps(ptKey: Uint8Array, steps: TableStep[]): void {
    // One cipher call for every new entry: setting up an OpenSSL context costs more than encrypting a block.
    const maps = steps.flatMap((s) => s.map);
    const plain = new Uint8Array(maps.length * PTE_SIZE);
    maps.forEach((m, i) => plain.set(encodePte(m.vpage, m.nonce), i * PTE_SIZE));
    const sealed = maps.length > 0 ? ecbEncrypt(ptKey, plain) : plain;
    plain.fill(0);
    let next = 0;
    const cycle = new CycleBuilder(this);
    steps.forEach((step, s) => {
      const byPage = new Map<number, { phys: number; block: Uint8Array }[]>();
      const add = (phys: number, block: Uint8Array) => {
        const page = Math.floor(phys / ENTRIES_PER_PAGE);
        let list = byPage.get(page);
        if (!list) byPage.set(page, (list = []));
        list.push({ phys, block });
      };
      for (const m of step.map) add(m.phys, sealed.subarray(next * PTE_SIZE, ++next * PTE_SIZE));
      for (const phys of step.erase) {
        const noise = randomBytes(this.random, PTE_SIZE);
        if (isErased(noise)) noise[0] = 0;
        add(phys, noise);
      }
      for (const page of [...byPage.keys()].sort((a, b) => a - b)) {
        for (const { phys, block } of byPage.get(page)!) {
          if (!cycle.fits(page, phys, s)) cycle.flush();
          cycle.add(page, phys, block, s);
        }
      }
    });
    cycle.flush();
  }

  /** The encrypted entry of data page `phys` (for the hosted-dump export and forensics). */
  entry(phys: number): Uint8Array {
    return this.table.slice(phys * PTE_SIZE, (phys + 1) * PTE_SIZE);
  }

  /** One MBBB cycle over `pages` (each table page once, in this order): see the header comment. */
  writeCycle(pages: { page: number; patched: Uint8Array }[]): void {
    this.restorePendingShadow();
    const slots = shuffle(this.random, [...Array(MBBB_PAGES).keys()]);
    pages.forEach(({ patched }, i) => {
      for (const slot of [slots[2 * i], slots[2 * i + 1]]) {
        this.usedSlots.add(slot);
        this.flash.program(this.layout.mbbbOffset + slot * PAGE_SIZE, patched);
      }
    });
    for (const { page, patched } of pages) {
      this.pageBytes(page).set(patched);
      this.pendingRestore.add(page);
    }
    this.restorePendingShadow();
  }

  /** The current bytes of a table page (a cycle patches a copy). */
  pageBytes(page: number): Uint8Array {
    return this.table.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  }

  /**
   * Steps 2-3: each table page whose live copy is in the MBBB gets it back (unless flash already holds exactly
   * that), then the MBBB is cleared. Also the first thing an update does after a mount that found a cut cycle (or
   * debris in the MBBB).
   */
  private restorePendingShadow(): void {
    for (const page of this.pendingRestore) {
      const at = this.layout.ptOffset + page * PAGE_SIZE;
      const onFlash = this.flash.read(at, PAGE_SIZE);
      if (samePage(onFlash, this.pageBytes(page))) continue;
      if (!isErased(onFlash)) this.flash.erase(at / PAGE_SIZE);
      this.flash.program(at, this.pageBytes(page));
    }
    this.pendingRestore.clear();
    for (const slot of [...this.usedSlots].sort((a, b) => a - b))
      this.flash.erase(this.layout.mbbbOffset / PAGE_SIZE + slot);
    this.usedSlots.clear();
  }

  /**
   * The table page each complete shadow belongs to (see the header comment). A shadow whose target cannot be told
   * goes nowhere: putting it in the wrong place would map pages to the wrong vpages.
   */
  private targetsOf(shadows: Uint8Array[]): Map<number, Uint8Array> {
    const out = new Map<number, Uint8Array>();
    const unplaced: Uint8Array[] = [];
    for (const shadow of shadows) {
      const target = this.agreeingPage(shadow);
      if (target === null || out.has(target)) unplaced.push(shadow);
      else out.set(target, shadow);
    }
    if (unplaced.length === 1) {
      const target = this.mostErasedPage();
      if (target !== null && !out.has(target)) out.set(target, unplaced[0]);
    }
    return out;
  }

  /** The table page sharing the most entries with `shadow`, or null when none shares any. */
  private agreeingPage(shadow: Uint8Array): number | null {
    let best: number | null = null;
    let bestScore = 0;
    for (let page = 0; page < this.layout.ptPages; page++) {
      const score = agreement(this.pageBytes(page), shadow);
      if (score > bestScore) [best, bestScore] = [page, score];
    }
    return best;
  }

  /**
   * The page erased furthest, for a shadow whose target is erased too far to agree on anything. Two pages as erased
   * (one of them damaged) leave no way to tell: null.
   */
  private mostErasedPage(): number | null {
    let best: number | null = null;
    let mostErased = 0;
    let ties = 0;
    for (let page = 0; page < this.layout.ptPages; page++) {
      const n = erasedEntries(this.pageBytes(page));
      if (n > mostErased) [best, mostErased, ties] = [page, n, 1];
      else if (n === mostErased && n > 0) ties++;
    }
    return ties === 1 ? best : null;
  }
}

/** Equality of two table pages: ciphertext, public, so memcmp rather than the constant-time loop (20x slower) that
 * keys need; every table update compares its pages. */
function samePage(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** Each distinct content that at least two slots hold (the complete shadows). */
function identicalPairs(slots: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  slots.forEach((slot, i) => {
    if (out.some((s) => bytesEqual(s, slot))) return;
    if (slots.some((other, j) => j > i && bytesEqual(slot, other))) out.push(slot);
  });
  return out;
}

/**
 * The pages of the MBBB cycle being gathered, each with its patched copy and the first and last step that changed
 * it. A change of step s can join page p when the pages can still be ordered for the cycle (see the header comment):
 * two pages whose step ranges overlap beyond a shared end cannot; nor can a sixth page, nor a change that would
 * leave no entry of a page unchanged (its shadow must agree with it somewhere).
 */
class CycleBuilder {
  private readonly pages = new Map<
    number,
    { patched: Uint8Array; changed: Set<number>; first: number; last: number }
  >();

  constructor(private readonly table: PageTable) {}

  fits(page: number, phys: number, step: number): boolean {
    const p = this.pages.get(page);
    if (!p) return this.pages.size < PAGES_PER_CYCLE;
    if (!p.changed.has(phys) && p.changed.size === ENTRIES_PER_PAGE - 1) return false;
    for (const [other, q] of this.pages) if (other !== page && q.first < step && p.first < q.last) return false;
    return true;
  }

  add(page: number, phys: number, block: Uint8Array, step: number): void {
    let p = this.pages.get(page);
    if (!p)
      this.pages.set(
        page,
        (p = { patched: this.table.pageBytes(page).slice(), changed: new Set(), first: step, last: step }),
      );
    p.patched.set(block, (phys % ENTRIES_PER_PAGE) * PTE_SIZE);
    p.changed.add(phys);
    p.last = step;
  }

  /** Write the cycle: pages ordered by first step, then last step (every page after those it must follow). */
  flush(): void {
    if (this.pages.size === 0) return;
    const order = [...this.pages].sort(([, a], [, b]) => a.first - b.first || a.last - b.last);
    this.table.writeCycle(order.map(([page, p]) => ({ page, patched: p.patched })));
    this.pages.clear();
  }
}

/** Whether a page holds an entry that is all 0xFF or all 0x00 (no real entry is, but 2^-128). */
function hasBadEntry(page: Uint8Array): boolean {
  for (let e = 0; e < ENTRIES_PER_PAGE; e++) {
    const x = page.subarray(e * PTE_SIZE, (e + 1) * PTE_SIZE);
    if (isErased(x) || x.every((b) => b === 0)) return true;
  }
  return false;
}

/** Entries of a table page that are wholly 0xFF (erased). */
function erasedEntries(page: Uint8Array): number {
  let n = 0;
  for (let e = 0; e < ENTRIES_PER_PAGE; e++) if (isErased(page.subarray(e * PTE_SIZE, (e + 1) * PTE_SIZE))) n++;
  return n;
}

/** Entries (not erased) that two table pages share at the same index. */
function agreement(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let e = 0; e < ENTRIES_PER_PAGE; e++) {
    const x = a.subarray(e * PTE_SIZE, (e + 1) * PTE_SIZE);
    if (!isErased(x) && bytesEqual(x, b.subarray(e * PTE_SIZE, (e + 1) * PTE_SIZE))) n++;
  }
  return n;
}
