// One dictionary of an open basis: its header (slot 0), its key descriptors (slots 1..), and the bytes of its keys,
// small keys packed into the dict's pool pages, large keys in page-aligned regions of their own.
//
// Small keys are written copy-on-write at key level: a changed small key moves to a fresh range and its old range
// is scrubbed only after the sync that switched the descriptor. So whichever of the pool page and the descriptor
// page a power cut lets through, the descriptor points at bytes of one complete version. Large keys are rewritten
// page by page (each page copy-on-write); a cut during their sync can leave that one key with a mix of old and new
// pages, never any other key damaged.
import { PddbError } from '../errors.ts';
import { KEYS_PER_DICT_MAX, VPAGE_SIZE } from '../format/constants.ts';
import {
  FLAG_VALID,
  decodeKeyDescriptor,
  encodeDictHeader,
  encodeKeyDescriptor,
  type KeyDescriptor,
} from '../format/descriptors.ts';
import { LARGE_KEY_STRIDE, SLOTS_PER_VPAGE, dictBase, isSmallStart, slotLocation, smallPoolVpage } from '../format/vaddr.ts';
import type { Basis } from './basis.ts';

export interface KeyEntry extends KeyDescriptor {
  slot: number;
}

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

  constructor(
    private readonly basis: Basis,
    readonly index: number,
    readonly name: string,
    public age: number,
    private readonly allocLarge: (bytes: number) => number,
  ) {}

  /** Every key descriptor, loaded on first use. */
  get keys(): Map<string, KeyEntry> {
    if (!this.keyMap) this.load();
    return this.keyMap!;
  }

  private load(): void {
    const map = new Map<string, KeyEntry>();
    const first = dictBase(this.index) / VPAGE_SIZE;
    let maxSlot = 0;
    for (let v = 0; v < KEYS_PER_DICT_MAX / SLOTS_PER_VPAGE + 1; v++) {
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
    this.nextSlot = maxSlot + 1;
    const used = new Set([...map.values()].map((k) => k.slot));
    for (let s = 1; s < this.nextSlot; s++) if (!used.has(s)) this.freeSlots.push(s);
  }

  /** A descriptor whose small range leaves its pool page, or points outside this dict's pool, is not trusted. */
  private plausible(d: KeyDescriptor): boolean {
    if (!isSmallStart(d.start)) return true;
    const p = Math.floor(d.start / VPAGE_SIZE) - smallPoolVpage(this.index, 0);
    return p >= 0 && p < 4096 && (d.start % VPAGE_SIZE) + d.reserved <= VPAGE_SIZE;
  }

  createKey(name: string, allocHint: number | undefined): KeyEntry {
    const slot = this.freeSlots.length > 0 ? this.freeSlots.shift()! : this.nextSlot;
    if (slot > KEYS_PER_DICT_MAX) throw new PddbError('LimitExceeded', `dict '${this.name}' already holds ${KEYS_PER_DICT_MAX} keys`);
    if (slot === this.nextSlot) this.nextSlot++;
    const hint = allocHint ?? DEFAULT_ALLOC_HINT;
    const entry: KeyEntry = { name, slot, start: 0, len: 0, reserved: 0, flags: FLAG_VALID, age: 0 };
    if (hint < VPAGE_SIZE) {
      entry.reserved = Math.max(1, hint);
      entry.start = this.allocSmall(entry.reserved);
    } else {
      entry.reserved = roundUpPage(hint);
      entry.start = this.allocLarge(entry.reserved);
    }
    this.keys.set(name, entry);
    this.writeSlot(entry);
    this.touch();
    return entry;
  }

  read(entry: KeyEntry, offset: number, length: number): Uint8Array {
    const end = Math.min(entry.len, offset + length);
    if (offset >= end) return new Uint8Array(0);
    const out = new Uint8Array(end - offset);
    this.copyOut(entry.start, offset, out);
    return out;
  }

  write(entry: KeyEntry, offset: number, data: Uint8Array): void {
    const newLen = Math.max(entry.len, offset + data.length);
    if (newLen > LARGE_KEY_STRIDE) throw new PddbError('LimitExceeded', 'a key is limited to 32 GiB');
    if (isSmallStart(entry.start)) {
      // Copy-on-write at key level: assemble the new value, place it, retire the old range.
      const value = new Uint8Array(newLen);
      this.copyOut(entry.start, 0, value.subarray(0, entry.len));
      value.set(data, offset);
      this.retireSmall(entry);
      if (newLen < VPAGE_SIZE) {
        entry.reserved = Math.max(entry.reserved, newLen, 1);
        entry.start = this.allocSmall(entry.reserved);
      } else {
        entry.reserved = roundUpPage(newLen);
        entry.start = this.allocLarge(entry.reserved);
      }
      this.copyIn(entry.start, 0, value);
      value.fill(0);
    } else {
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
      this.scrub.push({ start: entry.start + newLen, len: entry.len - newLen });
    } else {
      const keep = Math.ceil(newLen / VPAGE_SIZE);
      const first = entry.start / VPAGE_SIZE;
      for (let p = keep; p < Math.ceil(entry.len / VPAGE_SIZE); p++) this.basis.dropPage(first + p);
      if (newLen % VPAGE_SIZE !== 0) this.basis.writablePage(first + keep - 1).fill(0, newLen % VPAGE_SIZE);
    }
    entry.len = newLen;
    entry.age = (entry.age + 1) >>> 0;
    this.writeSlot(entry);
    this.touch();
  }

  deleteKey(entry: KeyEntry): void {
    if (isSmallStart(entry.start)) this.retireSmall(entry);
    else {
      const first = entry.start / VPAGE_SIZE;
      for (let p = 0; p < Math.ceil(entry.len / VPAGE_SIZE); p++) if (this.basis.isMapped(first + p)) this.basis.dropPage(first + p);
    }
    this.keys.delete(entry.name);
    this.freeSlots.push(entry.slot);
    this.freeSlots.sort((a, b) => a - b);
    const { vpage, at } = slotLocation(this.index, entry.slot);
    this.basis.writablePage(vpage).fill(0, at, at + 127);
    this.touch();
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

  /** After a durable sync: zero superseded small ranges, drop pool pages left empty. */
  afterCommit(): void {
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

  private touch(): void {
    this.age = (this.age + 1) >>> 0;
    this.writeHeader();
  }

  private writeSlot(entry: KeyEntry): void {
    const { vpage, at } = slotLocation(this.index, entry.slot);
    encodeKeyDescriptor(entry, this.basis.writablePage(vpage), at);
  }

  private allocSmall(size: number): number {
    let p = this.poolTail.findIndex((tail) => tail + size <= VPAGE_SIZE);
    if (p < 0) p = this.poolTail.length;
    this.poolTail[p] ??= 0;
    this.poolLive[p] ??= 0;
    const start = smallPoolVpage(this.index, p) * VPAGE_SIZE + this.poolTail[p];
    this.poolTail[p] += size;
    this.poolLive[p] += size;
    return start;
  }

  private claimPool(start: number, reserved: number): void {
    const p = Math.floor(start / VPAGE_SIZE) - smallPoolVpage(this.index, 0);
    this.poolTail[p] = Math.max(this.poolTail[p] ?? 0, (start % VPAGE_SIZE) + reserved);
    this.poolLive[p] = (this.poolLive[p] ?? 0) + reserved;
  }

  private retireSmall(entry: KeyEntry): void {
    const p = Math.floor(entry.start / VPAGE_SIZE) - smallPoolVpage(this.index, 0);
    this.poolLive[p] -= entry.reserved;
    this.scrub.push({ start: entry.start, len: entry.reserved });
  }

  private copyOut(start: number, offset: number, out: Uint8Array): void {
    let done = 0;
    while (done < out.length) {
      const addr = start + offset + done;
      const at = addr % VPAGE_SIZE;
      const n = Math.min(out.length - done, VPAGE_SIZE - at);
      out.set(this.basis.page(Math.floor(addr / VPAGE_SIZE)).subarray(at, at + n), done);
      done += n;
    }
  }

  private copyIn(start: number, offset: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      const addr = start + offset + done;
      const at = addr % VPAGE_SIZE;
      const n = Math.min(data.length - done, VPAGE_SIZE - at);
      this.basis.writablePage(Math.floor(addr / VPAGE_SIZE)).set(data.subarray(done, done + n), at);
      done += n;
    }
  }
}

function roundUpPage(n: number): number {
  return Math.max(VPAGE_SIZE, Math.ceil(n / VPAGE_SIZE) * VPAGE_SIZE);
}
