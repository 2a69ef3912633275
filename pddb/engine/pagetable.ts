// The page table as the engine sees it: an in-memory copy of the effective table (flash pages, with a damaged page
// replaced by its MBBB shadow), bulk trial decryption per basis, and updates through the make-before-break buffer.
//
// Update of one table page (hw.rs, feature mbbb): (1) if an MBBB page holds a shadow, put it back into the table
// page it shadows and erase the MBBB; (2) write the patched copy of the target page to a random MBBB slot;
// (3) erase the target page. The live copy of the last page written thus sits in the MBBB until the next update,
// and at mount a blank table page is read from the MBBB. Where the original recognises only a wholly blank page
// (first 16 bytes 0xFF), we treat any page holding an all-0xFF entry as damaged: a torn erase or a torn restore
// leaves exactly that, and a real entry is 0xFF x 16 with probability 2^-128. So a power cut inside any of the
// steps leaves either the old page or the new one, never a page with lost entries.
import { ecbDecrypt, ecbEncrypt } from '../crypto/ecb.ts';
import type { Flash } from '../flash/flash.ts';
import { PAGE_SIZE, PTE_SIZE } from '../format/constants.ts';
import { isErased } from '../format/fastspace.ts';
import { MBBB_PAGES, type Layout } from '../format/layout.ts';
import { decodePte, encodePte } from '../format/pte.ts';
import { randomBelow, randomBytes, type Random } from '../../lib/random.ts';

const ENTRIES_PER_PAGE = PAGE_SIZE / PTE_SIZE;

export interface MappedPage {
  phys: number;
  vpage: number;
  nonce: number;
}

export class PageTable {
  /** The effective table: what the entries are, whatever transient state the flash pages are in. */
  private readonly table: Uint8Array;
  /** Table pages that are blank or damaged on flash (their content lives in `table` and the MBBB). */
  private pendingRestore: number[] = [];
  /** MBBB slots that are not fully erased on flash. */
  private readonly usedSlots = new Set<number>();

  private constructor(
    private readonly flash: Flash,
    private readonly layout: Layout,
    private readonly random: Random,
  ) {
    this.table = new Uint8Array(layout.ptPages * PAGE_SIZE);
  }

  /** Read the table, substituting the MBBB shadow for a damaged page. */
  static load(flash: Flash, layout: Layout, random: Random): PageTable {
    const pt = new PageTable(flash, layout, random);
    flash.readInto(layout.ptOffset, pt.table);
    const shadows: Uint8Array[] = [];
    for (let slot = 0; slot < MBBB_PAGES; slot++) {
      const bytes = flash.read(layout.mbbbOffset + slot * PAGE_SIZE, PAGE_SIZE);
      if (isErased(bytes)) continue;
      pt.usedSlots.add(slot);
      if (damaged(bytes, 1).length === 0) shadows.push(bytes);
    }
    pt.pendingRestore = damaged(pt.table, layout.ptPages);
    for (const page of pt.pendingRestore) {
      const best = bestShadowFor(pt.pageBytes(page), shadows);
      if (best) pt.pageBytes(page).set(best);
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
      for (let e = 0; e < ENTRIES_PER_PAGE; e++) if (isErased(bytes.subarray(e * PTE_SIZE, (e + 1) * PTE_SIZE))) bytes[e * PTE_SIZE] = 0;
      flash.erase(page + layout.ptOffset / PAGE_SIZE);
      flash.program(layout.ptOffset + page * PAGE_SIZE, bytes);
    }
    return pt;
  }

  /** Every data page whose entry decrypts under `ptKey` with a matching checksum. */
  scan(ptKey: Uint8Array): MappedPage[] {
    const entries = this.layout.dataPages;
    const plain = ecbDecrypt(ptKey, this.table.subarray(0, entries * PTE_SIZE));
    const out: MappedPage[] = [];
    for (let phys = 0; phys < entries; phys++) {
      const f = decodePte(plain, phys * PTE_SIZE);
      if (f) out.push({ phys, vpage: f.vpage, nonce: f.nonce });
    }
    plain.fill(0);
    return out;
  }

  /**
   * Apply entry changes: `map` entries get an encrypted mapping, `erase` entries get random bytes. Each touched
   * table page is one atomic update, so a caller that needs an order (new mappings before old ones are erased)
   * calls this once per step.
   */
  update(ptKey: Uint8Array, map: { phys: number; vpage: number; nonce: number }[], erase: number[]): void {
    const byPage = new Map<number, { phys: number; block: Uint8Array }[]>();
    const add = (phys: number, block: Uint8Array) => {
      const page = Math.floor(phys / ENTRIES_PER_PAGE);
      let list = byPage.get(page);
      if (!list) byPage.set(page, (list = []));
      list.push({ phys, block });
    };
    for (const m of map) {
      const plain = encodePte(m.vpage, m.nonce);
      add(m.phys, ecbEncrypt(ptKey, plain));
      plain.fill(0);
    }
    for (const phys of erase) {
      const noise = randomBytes(this.random, PTE_SIZE);
      if (isErased(noise)) noise[0] = 0;
      add(phys, noise);
    }
    for (const page of [...byPage.keys()].sort((a, b) => a - b)) {
      const patched = this.pageBytes(page).slice();
      for (const { phys, block } of byPage.get(page)!) patched.set(block, (phys % ENTRIES_PER_PAGE) * PTE_SIZE);
      this.writePage(page, patched);
    }
  }

  /** The encrypted entry of data page `phys` (for the hosted-dump export and forensics). */
  entry(phys: number): Uint8Array {
    return this.table.slice(phys * PTE_SIZE, (phys + 1) * PTE_SIZE);
  }

  private writePage(page: number, patched: Uint8Array): void {
    this.restorePendingShadow();
    const slot = randomBelow(this.random, MBBB_PAGES);
    const slotOffset = this.layout.mbbbOffset + slot * PAGE_SIZE;
    this.usedSlots.add(slot);
    this.flash.program(slotOffset, patched);
    this.pendingRestore = [page];
    this.flash.erase(this.layout.ptOffset / PAGE_SIZE + page);
    this.pageBytes(page).set(patched);
  }

  /** Step 1: the table page left blank by the previous update gets its content back; then the MBBB is cleared. */
  private restorePendingShadow(): void {
    const ptSector0 = this.layout.ptOffset / PAGE_SIZE;
    for (const page of this.pendingRestore) {
      // A torn page may hold old bits: NOR programming only clears bits, so erase before writing it back.
      if (!isErased(this.flash.read(this.layout.ptOffset + page * PAGE_SIZE, PAGE_SIZE))) this.flash.erase(ptSector0 + page);
      this.flash.program(this.layout.ptOffset + page * PAGE_SIZE, this.pageBytes(page));
    }
    this.pendingRestore = [];
    for (const slot of this.usedSlots) this.flash.erase(this.layout.mbbbOffset / PAGE_SIZE + slot);
    this.usedSlots.clear();
  }

  private pageBytes(page: number): Uint8Array {
    return this.table.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  }
}

/** Pages (of `count` in `bytes`) holding at least one all-0xFF entry. */
function damaged(bytes: Uint8Array, count: number): number[] {
  const out: number[] = [];
  for (let page = 0; page < count; page++) {
    for (let e = 0; e < ENTRIES_PER_PAGE; e++) {
      const at = page * PAGE_SIZE + e * PTE_SIZE;
      if (isErased(bytes.subarray(at, at + PTE_SIZE))) {
        out.push(page);
        break;
      }
    }
  }
  return out;
}

/** The intact shadow agreeing with most of the damaged page's surviving entries (normally there is just one). */
function bestShadowFor(page: Uint8Array, shadows: Uint8Array[]): Uint8Array | null {
  let best: Uint8Array | null = null;
  let bestScore = -1;
  for (const s of shadows) {
    let score = 0;
    for (let e = 0; e < ENTRIES_PER_PAGE; e++) {
      const a = page.subarray(e * PTE_SIZE, (e + 1) * PTE_SIZE);
      if (!isErased(a) && a.every((x, i) => x === s[e * PTE_SIZE + i])) score++;
    }
    if (score > bestScore) [best, bestScore] = [s, score];
  }
  return best;
}
