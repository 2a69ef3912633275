// The page table as the engine sees it: an in-memory copy of the effective table (flash pages, with a page being
// updated replaced by its MBBB shadow), bulk trial decryption per basis, and updates through the make-before-break
// buffer.
//
// Update of one table page: (1) write the patched copy of the page to the MBBB; (2) erase the table page; (3)
// program it with the patched copy; (4) erase the MBBB. (The original, hw.rs feature mbbb, defers (3) and (4) to the
// start of the next update, so between updates one table page sits blank on flash with its live copy in the MBBB;
// we finish each update, so the table on flash is whole and the MBBB blank between updates, and damage to one table
// page costs only that page's entries.) Neither page carries a checksum, and a torn program or erase can leave a
// page that LOOKS whole (a few bytes short, or a few bytes erased, inside one entry). So the shadow is written
// TWICE, to two random MBBB slots, and counts only when two slots hold identical bytes: both copies complete means
// step (1) finished, and until step (4) starts, the shadow is the truth. Without an identical pair the table pages
// on flash are whole (the table page is erased only after the pair is complete; the pair is erased only after the
// table page is rewritten). The target of a pair is the table page agreeing with it on at least one entry (one it
// did not patch: an update of all 256 entries of a page is split in two for this), else, when the target is erased
// too far to agree on anything, the page with the most erased entries. An image in the original's state (one MBBB
// page, one wholly blank table page) is read the original's way: the blank page comes from the MBBB.
import { ecbDecrypt, ecbEncrypt } from '../crypto/ecb.ts';
import type { Flash } from '../flash/flash.ts';
import { PAGE_SIZE, PTE_SIZE } from '../format/constants.ts';
import { isErased } from '../format/fastspace.ts';
import { MBBB_PAGES, type Layout } from '../format/layout.ts';
import { decodePte, encodePte } from '../format/pte.ts';
import { randomBelow, randomBytes, type Random } from '../../lib/random.ts';
import { bytesEqual } from '../crypto/bytes.ts';

const ENTRIES_PER_PAGE = PAGE_SIZE / PTE_SIZE;

export interface MappedPage {
  phys: number;
  vpage: number;
  nonce: number;
}

export class PageTable {
  /** The effective table: what the entries are, whatever transient state the flash pages are in. */
  private readonly table: Uint8Array;
  /** The table page whose live copy is in the MBBB (found so by load, or mid-update), if any. */
  private pendingRestore: number | null = null;
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
    const shadow = identicalPair(slots);
    let target: number | null = null;
    if (shadow) {
      target = pt.targetOf(shadow);
    } else if (slots.length === 1) {
      // The original's protocol (one shadow, for the table page left blank), or our pair with one copy damaged.
      // Our own cuts never leave a wholly blank table page without a complete pair, so this cannot misfire on them.
      const blank = [...Array(layout.ptPages).keys()].filter((p) => isErased(pt.pageBytes(p)));
      if (blank.length === 1) [target] = blank;
    }
    if (target !== null) {
      pt.pageBytes(target).set(shadow ?? slots[0]);
      pt.pendingRestore = target;
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

  /**
   * Apply entry changes: `map` entries get an encrypted mapping, `erase` entries get random bytes. Each touched
   * table page is one atomic update (two when every entry of the page changes), so a caller that needs an order
   * (new mappings before old ones are erased) calls this once per step.
   */
  update(ptKey: Uint8Array, map: { phys: number; vpage: number; nonce: number }[], erase: number[]): void {
    const byPage = new Map<number, { phys: number; block: Uint8Array }[]>();
    const add = (phys: number, block: Uint8Array) => {
      const page = Math.floor(phys / ENTRIES_PER_PAGE);
      let list = byPage.get(page);
      if (!list) byPage.set(page, (list = []));
      list.push({ phys, block });
    };
    // One cipher call for every new entry: setting up an OpenSSL context costs more than encrypting a block.
    const plain = new Uint8Array(map.length * PTE_SIZE);
    map.forEach((m, i) => plain.set(encodePte(m.vpage, m.nonce), i * PTE_SIZE));
    const sealed = map.length > 0 ? ecbEncrypt(ptKey, plain) : plain;
    plain.fill(0);
    map.forEach((m, i) => add(m.phys, sealed.subarray(i * PTE_SIZE, (i + 1) * PTE_SIZE)));
    for (const phys of erase) {
      const noise = randomBytes(this.random, PTE_SIZE);
      if (isErased(noise)) noise[0] = 0;
      add(phys, noise);
    }
    for (const page of [...byPage.keys()].sort((a, b) => a - b)) {
      const changes = byPage.get(page)!;
      // A shadow must share an entry with its target (that is how load finds the target of a half-erased page):
      // an update of every entry of a page goes in two steps.
      const cut = new Set(changes.map((c) => c.phys)).size === ENTRIES_PER_PAGE ? changes.length - 1 : changes.length;
      for (const part of cut < changes.length ? [changes.slice(0, cut), changes.slice(cut)] : [changes]) {
        const patched = this.pageBytes(page).slice();
        for (const { phys, block } of part) patched.set(block, (phys % ENTRIES_PER_PAGE) * PTE_SIZE);
        this.writePage(page, patched);
      }
    }
  }

  /** The encrypted entry of data page `phys` (for the hosted-dump export and forensics). */
  entry(phys: number): Uint8Array {
    return this.table.slice(phys * PTE_SIZE, (phys + 1) * PTE_SIZE);
  }

  private writePage(page: number, patched: Uint8Array): void {
    this.restorePendingShadow();
    const first = randomBelow(this.random, MBBB_PAGES);
    const second = (first + 1 + randomBelow(this.random, MBBB_PAGES - 1)) % MBBB_PAGES;
    for (const slot of [first, second]) {
      this.usedSlots.add(slot);
      this.flash.program(this.layout.mbbbOffset + slot * PAGE_SIZE, patched);
    }
    this.pageBytes(page).set(patched);
    this.pendingRestore = page;
    this.restorePendingShadow();
  }

  /**
   * Steps 2-4: the table page whose live copy is in the MBBB gets it back, then the MBBB is cleared. Also the first
   * thing an update does after a mount that found a cut update (or debris in the MBBB).
   */
  private restorePendingShadow(): void {
    const page = this.pendingRestore;
    if (page !== null) {
      const at = this.layout.ptOffset + page * PAGE_SIZE;
      if (!isErased(this.flash.read(at, PAGE_SIZE))) this.flash.erase(at / PAGE_SIZE);
      this.flash.program(at, this.pageBytes(page));
      this.pendingRestore = null;
    }
    for (const slot of [...this.usedSlots].sort((a, b) => a - b)) this.flash.erase(this.layout.mbbbOffset / PAGE_SIZE + slot);
    this.usedSlots.clear();
  }

  /** The table page a complete shadow belongs to (see the header comment). */
  private targetOf(shadow: Uint8Array): number | null {
    let best: number | null = null;
    let bestScore = 0;
    for (let page = 0; page < this.layout.ptPages; page++) {
      const score = agreement(this.pageBytes(page), shadow);
      if (score > bestScore) [best, bestScore] = [page, score];
    }
    if (best !== null) return best;
    // The target is erased too far to agree on anything. Two pages as erased (one of them damaged) leave no way to
    // tell which one the shadow belongs to; putting it in the wrong place would map pages to the wrong vpages, so
    // it goes nowhere.
    let mostErased = 0;
    let ties = 0;
    for (let page = 0; page < this.layout.ptPages; page++) {
      const n = erasedEntries(this.pageBytes(page));
      if (n > mostErased) [best, mostErased, ties] = [page, n, 1];
      else if (n === mostErased && n > 0) ties++;
    }
    return ties === 1 ? best : null;
  }

  private pageBytes(page: number): Uint8Array {
    return this.table.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  }
}

/** Two slots with identical bytes (a complete shadow), or null. */
function identicalPair(slots: Uint8Array[]): Uint8Array | null {
  for (let i = 0; i < slots.length; i++) {
    for (let j = i + 1; j < slots.length; j++) if (bytesEqual(slots[i], slots[j])) return slots[i];
  }
  return null;
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
