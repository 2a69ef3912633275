// One dictionary of an open basis: its header (slot 0), its key descriptors (slots 1..), and the bytes of its keys,
// small keys packed into the dict's pool pages, large keys in page-aligned regions of their own.
//
// A value changed in a sync is whole after a power cut, old or new, whatever the key's size: the commit writes data
// pages before descriptor pages, so no byte the durable descriptor covers may change where it is.
//   - Small keys move to a fresh range of the pool; the old range is scrubbed only after the commit that switched
//     the descriptor (in the same sync: see afterCommit).
//   - Large keys change in place only past their durable length (an append: the old descriptor still reads the old
//     bytes); any other change moves the key to a fresh 32 GiB stride, copying what it keeps, and its old pages are
//     unmapped only after the root commit. A truncated tail is zeroed after the commit that made it unreachable.
// Every page of a key's extent is mapped (a gap is written as zeros), so a page missing from the table is damage.
import { PddbError } from '../errors.ts';
import { KEYS_PER_DICT_MAX, VPAGE_SIZE } from '../format/constants.ts';
import {
  FLAG_VALID,
  decodeKeyDescriptor,
  encodeDictHeader,
  encodeKeyDescriptor,
  type KeyDescriptor,
} from '../format/descriptors.ts';
import {
  DESCRIPTOR_VPAGES,
  LARGE_KEY_STRIDE,
  LARGE_POOL_START,
  POOL_VPAGES,
  SLOTS_PER_VPAGE,
  dictBase,
  isSmallStart,
  slotLocation,
  smallPoolVpage,
} from '../format/vaddr.ts';
import type { Basis, PageState } from './basis.ts';

export interface KeyEntry extends KeyDescriptor {
  slot: number;
}

/** The most one read returns (more than any device holds; only a sparse key is longer). */
export const MAX_READ = 256 * 1024 * 1024;

/** The original's default allocation hint for a new key. */
const DEFAULT_ALLOC_HINT = 8;

export class Dict {
  private keyMap: Map<string, KeyEntry> | null = null;
  private freeSlots: number[] = [];
  private nextSlot = 1;
  /** Per pool page: bump pointer and live bytes. */
  private poolTail: number[] = [];
  private poolLive: number[] = [];
  /** Small-key ranges superseded in the current sync, scrubbed once it is durable. */
  private scrub: { start: number; len: number }[] = [];
  /**
   * Slots freed since the last commit, by key name. A key deleted and created again before a sync goes back to its
   * old slot: two descriptors of one name in different descriptor pages could both survive a power cut, and the
   * hidden one would come back after a later delete.
   */
  private readonly freedSince = new Map<string, number>();
  /** Small ranges and large strides placed since the last commit: nothing durable points at them yet. */
  private readonly fresh = new Set<number>();
  /** Large keys changed in place since the last commit, with their length on flash. */
  private readonly durable = new Map<KeyEntry, number>();
  /** Large keys truncated since the last commit: the tail of their last page is zeroed after it. */
  private readonly tails = new Set<KeyEntry>();

  constructor(
    private readonly basis: Basis,
    readonly index: number,
    readonly name: string,
    public age: number,
    private readonly allocLarge: (bytes: number) => number,
    /** A dict created this session: nothing on flash to load. */
    fresh = false,
  ) {
    if (fresh) this.keyMap = new Map();
  }

  /** Every key descriptor, loaded on first use. */
  get keys(): Map<string, KeyEntry> {
    if (!this.keyMap) this.load();
    return this.keyMap!;
  }

  private load(): void {
    const map = new Map<string, KeyEntry>();
    const first = dictBase(this.index) / VPAGE_SIZE;
    let maxSlot = 0;
    // Exactly this dict's descriptor region: the vpage after it is the NEXT dict's header page.
    for (let v = 0; v < DESCRIPTOR_VPAGES; v++) {
      if (!this.basis.isMapped(first + v)) continue;
      const page = this.basis.tryPage(first + v);
      if (!page) continue;
      for (let s = v === 0 ? 1 : 0; s < SLOTS_PER_VPAGE; s++) {
        const slot = v * SLOTS_PER_VPAGE + s;
        const d = decodeKeyDescriptor(page, (slot % SLOTS_PER_VPAGE) * 127);
        if (!d || map.has(d.name) || !this.plausible(d)) continue;
        map.set(d.name, { ...d, slot });
        maxSlot = Math.max(maxSlot, slot);
        if (isSmallStart(d.start)) this.claimPool(d.start, d.reserved);
      }
    }
    this.keyMap = map;
    // A pool page that keys point at but the table does not map is damage: never hand out room there, or its
    // first write would commit zeros over the keys it held.
    this.poolTail.forEach((_, p) => {
      if (!this.basis.isMapped(smallPoolVpage(this.index, p))) this.poolTail[p] = VPAGE_SIZE;
    });
    this.nextSlot = maxSlot + 1;
    const used = new Set([...map.values()].map((k) => k.slot));
    for (let s = 1; s < this.nextSlot; s++) if (!used.has(s)) this.freeSlots.push(s);
  }

  /**
   * A descriptor whose small range leaves its pool page, or points outside this dict's pool, or whose large range
   * is not page aligned in the large pool (it would alias descriptor or pool pages), is not trusted.
   */
  private plausible(d: KeyDescriptor): boolean {
    if (!isSmallStart(d.start)) return d.start >= LARGE_POOL_START && d.start % VPAGE_SIZE === 0;
    const p = Math.floor(d.start / VPAGE_SIZE) - smallPoolVpage(this.index, 0);
    return p >= 0 && p < POOL_VPAGES && (d.start % VPAGE_SIZE) + d.reserved <= VPAGE_SIZE;
  }

  createKey(name: string, allocHint: number | undefined): KeyEntry {
    const hint = allocHint ?? DEFAULT_ALLOC_HINT;
    // Every check before any state changes: a refused key must not leak a slot or pool space.
    if (hint > LARGE_KEY_STRIDE) throw new PddbError('LimitExceeded', 'a key is limited to 32 GiB');
    const keys = this.keys; // loads the descriptors, and with them the free slots
    if (this.freeSlots.length === 0 && this.nextSlot > KEYS_PER_DICT_MAX) {
      throw new PddbError('LimitExceeded', `dict '${this.name}' already holds ${KEYS_PER_DICT_MAX} keys`);
    }
    let reserved: number;
    let start: number | null = null;
    if (hint < VPAGE_SIZE) {
      reserved = Math.max(1, hint);
      start = this.allocSmall(reserved);
    }
    if (start === null) {
      // A large key, or a small one whose dict has filled all 4096 of its pool pages (still readable: a reader
      // tells small from large by the start address, not by the length).
      reserved = roundUpPage(hint);
      start = this.allocLarge(reserved);
      this.fresh.add(start);
    }
    const slot = this.takeSlot(name);
    const entry: KeyEntry = { name, slot, start, len: 0, reserved: reserved!, flags: FLAG_VALID, age: 0 };
    keys.set(name, entry);
    this.writeSlot(entry);
    this.touch();
    return entry;
  }

  read(entry: KeyEntry, offset: number, length: number): Uint8Array {
    const end = Math.min(entry.len, offset + length);
    if (offset >= end) return new Uint8Array(0);
    // A key can be 32 GiB long: one read of all of it would exhaust memory. Bigger than any device.
    if (end - offset > MAX_READ)
      throw new PddbError('LimitExceeded', `read at most ${MAX_READ} bytes at once (read in parts)`);
    const out = new Uint8Array(end - offset);
    this.copyOut(entry, entry.start, offset, out);
    return out;
  }

  write(entry: KeyEntry, offset: number, data: Uint8Array): void {
    const newLen = Math.max(entry.len, offset + data.length);
    if (newLen > LARGE_KEY_STRIDE) throw new PddbError('LimitExceeded', 'a key is limited to 32 GiB');
    if (isSmallStart(entry.start) && this.fitsInPlace(entry, newLen)) {
      this.copyIn(entry.start, offset, data);
    } else if (isSmallStart(entry.start) || !this.changesInPlace(entry, offset)) {
      this.move(entry, offset, data, newLen);
    } else {
      this.requireRoom(entry.len, newLen);
      this.zeroGap(entry, offset);
      this.copyIn(entry.start, offset, data);
      entry.reserved = Math.max(entry.reserved, roundUpPage(newLen));
    }
    entry.len = newLen;
    entry.age = (entry.age + 1) >>> 0;
    this.writeSlot(entry);
    this.touch();
  }

  truncate(entry: KeyEntry, newLen: number): void {
    if (newLen >= entry.len) return;
    if (isSmallStart(entry.start)) {
      this.release(entry.start + newLen, entry.len - newLen, this.fresh.has(entry.start));
    } else {
      this.noteDurable(entry);
      const first = entry.start / VPAGE_SIZE;
      const keep = Math.ceil(newLen / VPAGE_SIZE);
      for (const vpage of this.pagesIn(first + keep, first + Math.ceil(entry.len / VPAGE_SIZE)))
        this.basis.dropPage(vpage);
      // The tail of the last page kept is still part of the durable value: zero it once the new length is durable.
      if (this.fresh.has(entry.start)) this.zeroTail(entry.start, newLen);
      else this.tails.add(entry);
    }
    entry.len = newLen;
    entry.age = (entry.age + 1) >>> 0;
    this.writeSlot(entry);
    this.touch();
  }

  deleteKey(entry: KeyEntry): void {
    if (isSmallStart(entry.start)) this.retireSmall(entry);
    else this.dropLarge(entry.start);
    this.durable.delete(entry);
    this.tails.delete(entry);
    this.keys.delete(entry.name);
    this.freedSince.set(entry.name, entry.slot);
    this.freeSlots.push(entry.slot);
    this.freeSlots.sort((a, b) => a - b);
    const { vpage, at } = slotLocation(this.index, entry.slot);
    this.basis.writablePage(vpage).fill(0, at, at + 127);
    this.touch();
  }

  /** Keys with a page of their extent that cannot be read: the pages, and how many of the key's bytes still read. */
  damagedKeys(): { key: string; len: number; readable: number; pages: { vpage: number; state: PageState }[] }[] {
    const out = [];
    for (const entry of this.keys.values()) {
      let readable = 0;
      const pages: { vpage: number; state: PageState }[] = [];
      forEachSpan(entry.start, entry.len, (vpage, _at, _done, n) => {
        const state = this.basis.pageState(vpage);
        if (state === 'ok') readable += n;
        else pages.push({ vpage, state });
      });
      if (pages.length > 0) out.push({ key: entry.name, len: entry.len, readable, pages });
    }
    return out;
  }

  /** Every page of the dict goes (delete dict). */
  destroy(): void {
    const lo = dictBase(this.index) / VPAGE_SIZE;
    const poolLo = smallPoolVpage(this.index, 0);
    for (const entry of [...this.keys.values()]) if (!isSmallStart(entry.start)) this.deleteKey(entry);
    for (const vpage of [...this.basis.vpages()]) {
      if ((vpage >= lo && vpage < lo + 4096) || (vpage >= poolLo && vpage < poolLo + 4096)) this.basis.dropPage(vpage);
    }
    this.keyMap = new Map();
    this.scrub = [];
  }

  /** Write the header slot (num_keys, age) into the descriptor page. */
  writeHeader(): void {
    const page = this.basis.writablePage(dictBase(this.index) / VPAGE_SIZE);
    encodeDictHeader(
      { flags: FLAG_VALID, age: this.age, numKeys: this.keys.size, freeKeyIndex: this.nextSlot, name: this.name },
      page,
      0,
    );
  }

  /**
   * After a durable commit: zero the small ranges it superseded and drop pool pages left empty. The catalog commits
   * again at once, so a deleted or overwritten value leaves flash in the same sync; a cut between the two commits
   * leaves stale bytes that no descriptor points at, never a value without its bytes.
   */
  afterCommit(): void {
    this.fresh.clear();
    this.freedSince.clear();
    this.durable.clear();
    for (const entry of this.tails) if (this.keys.get(entry.name) === entry) this.zeroTail(entry.start, entry.len);
    this.tails.clear();
    const pending = this.scrub;
    this.scrub = [];
    for (const { start, len } of pending) {
      const vpage = Math.floor(start / VPAGE_SIZE);
      const p = vpage - smallPoolVpage(this.index, 0);
      if (this.poolLive[p] === 0) {
        if (this.basis.isMapped(vpage)) this.basis.dropPage(vpage);
        this.poolTail[p] = 0;
      } else if (this.basis.isMapped(vpage)) {
        this.basis.writablePage(vpage).fill(0, start % VPAGE_SIZE, (start % VPAGE_SIZE) + len);
      }
    }
  }

  /** A large key may change in place only where its durable descriptor covers no byte (see the header). */
  private changesInPlace(entry: KeyEntry, offset: number): boolean {
    if (this.fresh.has(entry.start)) return true;
    if (Math.min(entry.len, offset) < (this.durable.get(entry) ?? entry.len)) return false;
    this.noteDurable(entry);
    return true;
  }

  private noteDurable(entry: KeyEntry): void {
    if (!this.fresh.has(entry.start) && !this.durable.has(entry)) this.durable.set(entry, entry.len);
  }

  /**
   * Copy-on-write at key level: the new value goes to a fresh range (small, if it was small and still fits) or a
   * fresh stride, with the bytes it keeps; the old range or stride is retired (after the commit, see the header).
   */
  private move(entry: KeyEntry, offset: number, data: Uint8Array, newLen: number): void {
    const wasSmall = isSmallStart(entry.start);
    const reserve = Math.max(wasSmall ? entry.reserved : 0, newLen, 1);
    if (!wasSmall || newLen >= VPAGE_SIZE) this.requireRoom(0, newLen);
    const small = wasSmall && newLen < VPAGE_SIZE ? this.allocSmall(reserve) : null;
    const kept = (
      [
        [0, Math.min(offset, entry.len)],
        [offset + data.length, entry.len],
      ] as const
    )
      .filter(([lo, hi]) => hi > lo)
      .map(([lo, hi]) => {
        const bytes = new Uint8Array(hi - lo);
        this.copyOut(entry, entry.start, lo, bytes);
        return { lo, bytes };
      });
    if (wasSmall) this.retireSmall(entry);
    else this.dropLarge(entry.start);
    this.durable.delete(entry);
    this.tails.delete(entry);
    if (small !== null) {
      entry.start = small;
      entry.reserved = reserve;
    } else {
      entry.reserved = Math.max(wasSmall ? 0 : entry.reserved, roundUpPage(newLen));
      entry.start = this.allocLarge(entry.reserved);
      this.fresh.add(entry.start);
    }
    // The whole new extent is written: zeros first, so that every page of it is mapped (see the header).
    this.fillZero(entry.start, 0, newLen);
    for (const { lo, bytes } of kept) {
      this.copyIn(entry.start, lo, bytes);
      bytes.fill(0);
    }
    this.copyIn(entry.start, offset, data);
  }

  /** Bytes between the end of a large key and a write past it read as zeros (pages there may hold stale bytes). */
  private zeroGap(entry: KeyEntry, offset: number): void {
    if (offset > entry.len) this.fillZero(entry.start, entry.len, offset);
  }

  private fillZero(start: number, from: number, to: number): void {
    forEachSpan(start + from, to - from, (vpage, at, _done, n) => {
      this.basis.writablePage(vpage).fill(0, at, at + n);
    });
  }

  /** Zero what follows `len` in the last page of a large key (the rest of its pages are dropped). */
  private zeroTail(start: number, len: number): void {
    const vpage = start / VPAGE_SIZE + Math.floor(len / VPAGE_SIZE);
    if (len % VPAGE_SIZE !== 0 && this.basis.isMapped(vpage)) this.basis.writablePage(vpage).fill(0, len % VPAGE_SIZE);
  }

  /** Every page of a large key's stride, including any a power cut left past its end. */
  private dropLarge(start: number): void {
    const first = start / VPAGE_SIZE;
    for (const vpage of this.pagesIn(first, first + STRIDE_VPAGES)) this.basis.dropPage(vpage);
  }

  /** Growing from `fromLen` to `toLen` writes every page in between: refuse what no device of this size holds. */
  private requireRoom(fromLen: number, toLen: number): void {
    const pages = Math.ceil(toLen / VPAGE_SIZE) - Math.ceil(fromLen / VPAGE_SIZE);
    if (pages > this.basis.devicePages) {
      throw new PddbError(
        'DiskFull',
        `the device is full: this value needs ${pages} more pages, the device has ${this.basis.devicePages}`,
      );
    }
  }

  private takeSlot(name: string): number {
    const own = this.freedSince.get(name);
    const i = own === undefined ? -1 : this.freeSlots.indexOf(own);
    if (i >= 0) return this.freeSlots.splice(i, 1)[0];
    return this.freeSlots.length > 0 ? this.freeSlots.shift()! : this.nextSlot++;
  }

  private touch(): void {
    this.age = (this.age + 1) >>> 0;
    this.writeHeader();
  }

  private writeSlot(entry: KeyEntry): void {
    const { vpage, at } = slotLocation(this.index, entry.slot);
    encodeKeyDescriptor(entry, this.basis.writablePage(vpage), at);
  }

  /** A range in the dict's small-key pool, or null when all of its pool pages are taken. */
  private allocSmall(size: number): number | null {
    // A page that does not decrypt is skipped too (damage stays an error on its keys, never zeros).
    let p = this.poolTail.findIndex(
      (tail, i) => tail + size <= VPAGE_SIZE && this.readable(smallPoolVpage(this.index, i)),
    );
    if (p < 0) p = this.poolTail.length;
    // The pool of dict d is 4096 vpages; page 4096 would be the first pool page of dict d + 1.
    if (p >= POOL_VPAGES) return null;
    this.poolTail[p] ??= 0;
    this.poolLive[p] ??= 0;
    const start = smallPoolVpage(this.index, p) * VPAGE_SIZE + this.poolTail[p];
    this.poolTail[p] += size;
    this.poolLive[p] += size;
    this.fresh.add(start);
    return start;
  }

  private readable(vpage: number): boolean {
    return !this.basis.isMapped(vpage) || this.basis.tryPage(vpage) !== null;
  }

  /**
   * A write may change a small key in place when nothing durable points at its range yet and the new length fits:
   * inside its reservation, or by growing the reservation when the range ends at its pool page's bump pointer.
   */
  private fitsInPlace(entry: KeyEntry, newLen: number): boolean {
    if (!this.fresh.has(entry.start) || newLen >= VPAGE_SIZE) return false;
    if (newLen <= entry.reserved) return true;
    const at = entry.start % VPAGE_SIZE;
    const p = Math.floor(entry.start / VPAGE_SIZE) - smallPoolVpage(this.index, 0);
    if (at + entry.reserved !== this.poolTail[p] || at + newLen > VPAGE_SIZE) return false;
    this.poolTail[p] += newLen - entry.reserved;
    this.poolLive[p] += newLen - entry.reserved;
    entry.reserved = newLen;
    return true;
  }

  /** Bytes no key needs any more: zeroed now if never durable, else scrubbed after the commit that drops them. */
  private release(start: number, len: number, fresh: boolean): void {
    if (len === 0) return;
    if (fresh)
      this.basis.writablePage(Math.floor(start / VPAGE_SIZE)).fill(0, start % VPAGE_SIZE, (start % VPAGE_SIZE) + len);
    else this.scrub.push({ start, len });
  }

  private claimPool(start: number, reserved: number): void {
    const p = Math.floor(start / VPAGE_SIZE) - smallPoolVpage(this.index, 0);
    this.poolTail[p] = Math.max(this.poolTail[p] ?? 0, (start % VPAGE_SIZE) + reserved);
    this.poolLive[p] = (this.poolLive[p] ?? 0) + reserved;
  }

  private retireSmall(entry: KeyEntry): void {
    const p = Math.floor(entry.start / VPAGE_SIZE) - smallPoolVpage(this.index, 0);
    this.poolLive[p] -= entry.reserved;
    this.release(entry.start, entry.reserved, this.fresh.delete(entry.start));
  }

  /** Every page of the extent must be there: one that is missing or does not decrypt is damage, never zeros. */
  private copyOut(entry: KeyEntry, start: number, offset: number, out: Uint8Array): void {
    forEachSpan(start + offset, out.length, (vpage, at, done, n) => {
      out.set(this.basis.page(vpage, () => `key '${entry.name}' of dict '${this.name}'`).subarray(at, at + n), done);
    });
  }

  /** The vpages in [lo, hi) that hold data (mapped or dirty), without walking a sparse range page by page. */
  private pagesIn(lo: number, hi: number): number[] {
    if (hi - lo <= 4096) {
      const out: number[] = [];
      for (let v = lo; v < hi; v++) if (this.basis.isMapped(v)) out.push(v);
      return out;
    }
    return [...this.basis.vpages()].filter((v) => v >= lo && v < hi);
  }

  private copyIn(start: number, offset: number, data: Uint8Array): void {
    forEachSpan(start + offset, data.length, (vpage, at, done, n) => {
      this.basis.writablePage(vpage).set(data.subarray(done, done + n), at);
    });
  }
}

/** Walk `length` bytes from virtual address `addr` page by page: (vpage, offset in it, bytes before, bytes in it). */
function forEachSpan(
  addr: number,
  length: number,
  fn: (vpage: number, at: number, done: number, n: number) => void,
): void {
  for (let done = 0; done < length; ) {
    const at = (addr + done) % VPAGE_SIZE;
    const n = Math.min(length - done, VPAGE_SIZE - at);
    fn(Math.floor((addr + done) / VPAGE_SIZE), at, done, n);
    done += n;
  }
}

const STRIDE_VPAGES = LARGE_KEY_STRIDE / VPAGE_SIZE;

function roundUpPage(n: number): number {
  return Math.max(VPAGE_SIZE, Math.ceil(n / VPAGE_SIZE) * VPAGE_SIZE);
}
