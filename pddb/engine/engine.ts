// The PDDB engine: a pure library over a Flash. It formats and mounts images, keeps the stack of open bases and
// applies the original's stack rules to every request. Only the PDDB server calls it; everything else goes
// through IPC.
import { deriveBasisKeys, type BasisKeys } from '../crypto/kdf.ts';
import { KdfError } from '../crypto/errors.ts';
import { PddbError, isPddbError } from '../errors.ts';
import type { Flash } from '../flash/flash.ts';
import { PAGE_SIZE, SYSTEM_BASIS_NAME } from '../format/constants.ts';
import { LARGE_KEY_STRIDE } from '../format/vaddr.ts';
import { decodeKeyPage } from '../format/keypage.ts';
import { computeLayout, dataPageOffset, type Layout } from '../format/layout.ts';
import { ROOT_VPAGE } from '../format/rootpage.ts';
import { KeyboxError } from '../keys/errors.ts';
import { unlockUser0 } from '../keys/keybox.ts';
import { unwrapSystemKeys } from '../keys/rootkeys.ts';
import { defaultRandom, randomBelow, randomBytes, shuffle, type Random } from '../../lib/random.ts';
import { Basis, type RetentionPolicy } from './basis.ts';
import { Catalog } from './catalog.ts';
import { checkBases, type CheckReport } from './check.ts';
import type { Dict, KeyEntry } from './dictionary.ts';
import { FastSpace, type FastSpaceOptions } from './fastspace.ts';
import { checkBasisName, checkDictName, checkKeyName, checkPassword } from './names.ts';
import { PageTable } from './pagetable.ts';
import type { Store, SyncPolicy } from './store.ts';
import { formatFlash } from './format.ts';

export interface EngineOptions {
  random?: Random;
  /** The device DNA in every page's AAD; hosted images and the original's tools use 0. */
  dna?: bigint;
  /**
   * 'copy-on-write' (default): changes stay in memory until sync(), which writes only what is dirty, each page to
   * a fresh physical page. 'original': the original's policy, for comparison: every write rewrites its pages in
   * place and re-syncs every open basis at once.
   */
  syncPolicy?: SyncPolicy;
  /**
   * The caller vouches that every basis of the device will be open whenever a sync runs: a sync the free-space
   * cache cannot finish may then list free pages from a full scan (a locked basis's pages would look free to it, so
   * without this promise such a sync fails NoFreeSpace before writing anything). Needed for values over ~8 MiB.
   */
  allBasesPresent?: boolean;
  /** FastSpace tuning, and its leaky test variant (see pddb/engine/fastspace.ts). */
  fastSpace?: FastSpaceOptions;
  /**
   * A deniability mitigation (issue 7; measured by pddb/forensics): every sync also refreshes this many random pages
   * FastSpace knows to be free with fresh noise, so that the pages a locked basis's writes changed hide among them
   * between two snapshots. Default 0. Costs one erase and one program per page.
   */
  coverWrites?: number;
  /**
   * A deniability mitigation against the PIN holder's snapshot diff (issue 7): every sync also takes a random 0..N
   * pages out of FastSpace for good and fills them with noise, so they look exactly like a locked basis's new pages
   * (neither listed nor mapped, changed). Costs those pages until `rebuildspace --all-bases-present`. Default 0.
   */
  decoyLeaks?: number;
}

export interface FormatOptions extends EngineOptions {
  pin: string;
  /** Called as the data region is filled with noise (the slow part of a format). */
  onProgress?: (done: number, total: number) => void;
}

export interface GetOptions {
  basis?: string;
  createDict?: boolean;
  createKey?: boolean;
  allocHint?: number;
}

export interface KeyAttributes {
  len: number;
  reserved: number;
  age: number;
  dict: string;
  basis: string;
  flags: number;
  index: number;
}

/** A key found or created by get(). Bound to its basis: once that basis is locked, using it fails BasisLost. */
export class KeyHandle {
  constructor(
    readonly catalog: Catalog,
    readonly dict: string,
    readonly key: string,
  ) {}

  get basis(): string {
    return this.catalog.name;
  }
}

export type BasisEvent = { kind: 'unlocked' | 'locked' | 'created' | 'deleted'; basis: string };

export class PddbEngine {
  /** Open bases, oldest first: .System at the bottom, the latest unlocked on top. */
  private readonly stack: Catalog[] = [];
  private readonly listeners = new Set<(e: BasisEvent) => void>();
  private readonly saltBase: Uint8Array;
  private coverWrites = 0;
  private decoyLeaks = 0;

  private constructor(
    private readonly store: Store,
    saltBase: Uint8Array,
  ) {
    this.saltBase = saltBase;
  }

  /** Lay a fresh PDDB over the whole flash; returns the keybox (1024 bytes) the boot PIN unlocks. */
  static format(flash: Flash, opts: FormatOptions): Uint8Array {
    return formatFlash(flash, { ...opts, onProgress: opts.onProgress && ((p) => opts.onProgress!(p.done, p.total)) });
  }

  /** Mount .System with the boot PIN. Wrong PIN: AccessDenied, and nothing else is learned. */
  static mount(flash: Flash, keybox: Uint8Array, pin: string, opts: EngineOptions = {}): PddbEngine {
    const random = opts.random ?? defaultRandom;
    const dna = opts.dna ?? 0n;
    const layout = computeLayout(flash.size);
    const keyPage = decodeKeyPage(flash.read(layout.keyPageOffset, PAGE_SIZE));
    let system: BasisKeys;
    try {
      const user0 = unlockUser0(keybox, pin);
      system = unwrapSystemKeys(user0, { ptWrapped40: keyPage.wrappedPt, dataWrapped40: keyPage.wrappedData });
      user0.fill(0);
    } catch (e) {
      if (e instanceof KeyboxError) {
        throw new PddbError(
          e.code === 'AccessDenied' ? 'AccessDenied' : e.code === 'Malformed' ? 'BadImage' : 'InvalidArgument',
          e.message,
        );
      }
      throw e;
    }
    const pt = PageTable.load(flash, layout, random);
    const space = FastSpace.load(flash, layout, copyKeys(system), dna, random, opts.fastSpace);
    const store: Store = {
      flash,
      layout,
      pt,
      space,
      random,
      dna,
      inUse: new Set(),
      policy: opts.syncPolicy ?? 'copy-on-write',
      allBasesPresent: opts.allBasesPresent === true,
      stats: { sealed: 0 },
    };
    const engine = new PddbEngine(store, keyPage.saltBase);
    const mounted = Basis.mount(SYSTEM_BASIS_NAME, system, store);
    if (!mounted) throw new PddbError('BadImage', 'no .System root in this image (not formatted, or damaged)');
    engine.stack.push(Catalog.mount(mounted.basis));
    engine.coverWrites = opts.coverWrites ?? 0;
    engine.decoyLeaks = opts.decoyLeaks ?? 0;
    return engine;
  }

  /** Pages encrypted and written since mount (data and root pages). */
  get stats(): { sealed: number } {
    return { ...this.store.stats };
  }

  get layout(): Layout {
    return this.store.layout;
  }

  onBasisChange(listener: (e: BasisEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Open bases, oldest first (.System first). */
  listBasis(): string[] {
    this.requireMounted();
    return this.stack.map((c) => c.name);
  }

  latestBasis(): string {
    this.requireMounted();
    return this.stack[this.stack.length - 1].name;
  }

  /** Write a new basis (root only); it stays locked. DuplicateEntry when this name and password already open one. */
  createBasis(name: string, password: string): void {
    this.requireMounted();
    checkBasisName(name);
    if (password === '') throw new PddbError('InvalidArgument', 'a basis password cannot be empty');
    const keys = this.deriveKeys(name, password);
    if (name === SYSTEM_BASIS_NAME || this.stack.some((c) => c.basis.hasKeys(keys))) {
      wipeKeys(keys);
      throw new PddbError('DuplicateEntry', `basis '${name}' already exists`);
    }
    const probe = copyKeys(keys);
    const existing = Basis.mount(name, probe, this.store);
    wipeKeys(probe);
    if (existing) {
      existing.basis.close();
      wipeKeys(keys);
      throw new PddbError('DuplicateEntry', `basis '${name}' already exists`);
    }
    const basis = Basis.create(name, keys, this.store);
    new Catalog(basis).sync();
    basis.close();
    this.settle();
    this.emit({ kind: 'created', basis: name });
  }

  /**
   * Open a basis and put it on top of the stack (re-unlocking an open one moves it to the top). A wrong password
   * and an absent basis give the same AccessDenied (the original's answer), after the same work.
   */
  unlockBasis(name: string, password: string, policy: RetentionPolicy = { kind: 'persist' }): void {
    this.requireMounted();
    checkBasisName(name);
    checkPolicy(policy);
    if (name === SYSTEM_BASIS_NAME) throw new PddbError('AccessDenied', '.System is unlocked by the boot PIN');
    const keys = this.deriveKeys(name, password);
    const open = this.stack.findIndex((c) => c.name === name);
    if (open >= 0 && this.stack[open].basis.hasKeys(keys)) {
      // Already open with these keys: move it to the top. It was never locked, so its handles and its unsynced
      // changes stay (the original's handles name their basis, so they survive a re-unlock too).
      wipeKeys(keys);
      const [c] = this.stack.splice(open, 1);
      this.stack.push(c);
      c.basis.setPolicy(policy);
      this.emit({ kind: 'unlocked', basis: name });
      return;
    }
    // Try the password first: a wrong one must leave an open basis of that name alone (the original unlocks, and
    // only then unmounts a previously mounted basis of the same name).
    const mounted = Basis.mount(name, keys, this.store);
    if (!mounted) {
      wipeKeys(keys); // keys that open nothing are still a function of the password
      throw new PddbError('AccessDenied', `no basis '${name}' opens with that password`);
    }
    if (open >= 0) {
      try {
        this.closeAt(open);
      } catch (e) {
        mounted.basis.close();
        throw e;
      }
    }
    mounted.basis.setPolicy(policy);
    this.stack.push(Catalog.mount(mounted.basis));
    this.emit({ kind: 'unlocked', basis: name });
  }

  /** Sync and close a basis; its keys and plaintext are zeroed, its handles fail BasisLost from now on. */
  lockBasis(name: string): void {
    this.requireMounted();
    this.closeAt(this.openIndex(name));
  }

  /** Delete an open basis: every page it maps is unmapped, overwritten with noise and freed. */
  deleteBasis(name: string): void {
    this.requireMounted();
    const i = this.openIndex(name);
    if (i === 0) throw new PddbError('AccessDenied', '.System cannot be deleted');
    const [catalog] = this.stack.splice(i, 1);
    catalog.basis.destroy();
    this.settle();
    this.emit({ kind: 'deleted', basis: name });
  }

  /** A suspend: bases with ClearAfterSleeps(n) lock on their n-th. */
  suspend(): string[] {
    this.requireMounted();
    const locked: string[] = [];
    let failure: unknown;
    for (const c of [...this.stack]) {
      if (!c.basis.sleep()) continue;
      // A basis whose lock fails (its sync hit NoFreeSpace) stays open with its changes and is tried again at the
      // next suspend; the other bases still count their sleeps and lock.
      try {
        this.lockBasis(c.name);
        locked.push(c.name);
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure !== undefined) throw failure;
    return locked;
  }

  /**
   * Find (or create) a key. Unqualified reads walk the stack newest first; createDict makes the dict in the latest
   * basis; createKey alone creates the key in the newest basis that has the dict.
   */
  get(dict: string, key: string, opts: GetOptions = {}): KeyHandle {
    this.requireMounted();
    opts ??= {};
    checkDictName(dict);
    checkKeyName(key);
    if (opts.allocHint !== undefined && !(Number.isSafeInteger(opts.allocHint) && opts.allocHint >= 0)) {
      throw new PddbError('InvalidArgument', 'allocHint must be a non-negative integer');
    }
    if (opts.allocHint !== undefined && opts.allocHint > LARGE_KEY_STRIDE) {
      throw new PddbError('LimitExceeded', 'a key is limited to 32 GiB');
    }
    // Newest first; or just the named basis.
    const candidates = opts.basis === undefined ? [...this.stack].reverse() : [this.stack[this.openIndex(opts.basis)]];
    const found = (c: Catalog) => c.dict(dict)?.keys.has(key) ?? false;
    const search = (): KeyHandle => {
      const c = candidates.find(found);
      if (!c) throw new PddbError('NotFound', `no key '${key}' in dict '${dict}'`);
      return new KeyHandle(c, dict, key);
    };
    // The original (main.rs KeyRequest) walks the bases newest first and settles on the first one where the dict
    // exists or is created, then finds or creates the key THERE. So with createKey the key is created in that
    // basis even when an older basis holds a key of that name: the new key shadows the older one.
    if (opts.createDict) {
      const target = candidates[0];
      if (found(target)) return new KeyHandle(target, dict, key);
      const d = target.dict(dict) ?? target.createDict(dict);
      if (opts.createKey) {
        d.createKey(key, opts.allocHint);
        return new KeyHandle(target, dict, key);
      }
      return search();
    }
    if (opts.createKey) {
      const target = candidates.find((c) => c.dict(dict));
      if (!target) throw new PddbError('NotFound', `no dict '${dict}'`);
      if (!found(target)) target.dict(dict)!.createKey(key, opts.allocHint);
      return new KeyHandle(target, dict, key);
    }
    return search();
  }

  read(h: KeyHandle, offset: number, length: number): Uint8Array {
    checkSpan(offset, length);
    const { dict, entry } = this.resolve(h);
    return dict.read(entry, offset, length);
  }

  /** Read the whole value. */
  readAll(h: KeyHandle): Uint8Array {
    const { dict, entry } = this.resolve(h);
    return dict.read(entry, 0, entry.len);
  }

  write(h: KeyHandle, offset: number, data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) throw new PddbError('InvalidArgument', 'data must be a Uint8Array');
    checkSpan(offset, data.length);
    const { dict, entry } = this.resolve(h);
    dict.write(entry, offset, data);
    this.written();
  }

  truncate(h: KeyHandle, length: number): void {
    checkSpan(length, 0);
    const { dict, entry } = this.resolve(h);
    dict.truncate(entry, length);
    this.written();
  }

  attributes(h: KeyHandle): KeyAttributes {
    const { entry } = this.resolve(h);
    return {
      len: entry.len,
      reserved: entry.reserved,
      age: entry.age,
      dict: h.dict,
      basis: h.basis,
      flags: entry.flags,
      index: entry.slot,
    };
  }

  /** Unqualified deletes act on the latest basis only (the original's rule). */
  deleteKey(dict: string, key: string, basis?: string): void {
    this.requireMounted();
    checkDictName(dict);
    checkKeyName(key);
    const d = this.catalogFor(basis).dict(dict);
    const entry = d?.keys.get(key);
    if (!d || !entry) throw new PddbError('NotFound', `no key '${key}' in dict '${dict}'`);
    d.deleteKey(entry);
    this.written();
  }

  deleteDict(dict: string, basis?: string): void {
    this.requireMounted();
    checkDictName(dict);
    const c = this.catalogFor(basis);
    const d = c.dict(dict);
    if (!d) throw new PddbError('NotFound', `no dict '${dict}'`);
    c.deleteDict(d);
    this.written();
  }

  /** Dict names: of one basis, or the union over open bases, sorted. */
  listDicts(basis?: string): string[] {
    this.requireMounted();
    const sources = basis === undefined ? this.stack : [this.stack[this.openIndex(basis)]];
    return [...new Set(sources.flatMap((c) => c.dictNames()))].sort();
  }

  /** Key names of a dict: of one basis, or the union over open bases, sorted. NotFound when no basis has it. */
  listKeys(dict: string, basis?: string): string[] {
    this.requireMounted();
    checkDictName(dict);
    const sources = (basis === undefined ? this.stack : [this.stack[this.openIndex(basis)]]).filter((c) =>
      c.dict(dict),
    );
    if (sources.length === 0) throw new PddbError('NotFound', `no dict '${dict}'`);
    return [...new Set(sources.flatMap((c) => [...c.dict(dict)!.keys.keys()]))].sort();
  }

  /** Every key of a dict with its value; for the union, the newest basis holding a key wins. */
  readDict(dict: string, basis?: string): { key: string; basis: string; value: Uint8Array }[] {
    this.requireMounted();
    checkDictName(dict);
    const out = new Map<string, { key: string; basis: string; value: Uint8Array }>();
    const sources = basis === undefined ? [...this.stack].reverse() : [this.stack[this.openIndex(basis)]];
    for (const c of sources) {
      const d = c.dict(dict);
      if (!d) continue;
      for (const entry of d.keys.values()) {
        if (!out.has(entry.name))
          out.set(entry.name, { key: entry.name, basis: c.name, value: d.read(entry, 0, entry.len) });
      }
    }
    if (out.size === 0 && !sources.some((c) => c.dict(dict))) throw new PddbError('NotFound', `no dict '${dict}'`);
    return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Make every change durable: only what is dirty is written. */
  sync(): void {
    this.requireMounted();
    for (const c of this.stack) c.sync();
    if (this.coverWrites > 0 || this.decoyLeaks > 0) {
      const { flash, layout, random, inUse, space } = this.store;
      const free = shuffle(
        random,
        space.knownFree().filter((p) => !inUse.has(p)),
      ).slice(0, this.coverWrites);
      for (let n = randomBelow(random, this.decoyLeaks + 1); n > 0; n--) {
        const page = space.allocate((p) => inUse.has(p));
        if (page !== null && !free.includes(page)) free.push(page);
      }
      for (const page of free) {
        flash.erase(dataPageOffset(layout, page) / PAGE_SIZE);
        flash.program(dataPageOffset(layout, page), randomBytes(random, PAGE_SIZE));
      }
    }
    this.settle();
  }

  /**
   * The end of every durable operation (sync, lock, create, delete): FastSpace on flash lists every page known free
   * again (one master rewrite, when a commit took or gave back pages), then the flash is synced. So nothing is left
   * unlisted at rest, whether the process exits, is killed or never syncs again: only a cut inside an operation
   * leaks, at most the pages that operation took and gave back (see fastspace.ts).
   */
  private settle(): void {
    this.store.space.flush();
    this.store.flash.sync();
  }

  /**
   * Refill FastSpace from a full scan: every page not mapped by an OPEN basis counts as free. Only safe with every
   * basis presented; pages of a basis left locked may be handed out and overwritten (the original's rule too).
   */
  rebuildSpace(opts: { allBasesPresent?: boolean } = {}): number {
    this.requireMounted();
    if (opts?.allBasesPresent !== true) {
      throw new PddbError(
        'InvalidArgument',
        'rebuildspace lists every page no open basis uses: present every basis and confirm (--all-bases-present)',
      );
    }
    // No sync first: this is what a full device needs, and a sync is exactly what fails there. Pages of pending
    // changes are in use (mapped, or retired and not yet scrubbed), so the scan never hands them out.
    const free: number[] = [];
    for (let p = 0; p < this.store.layout.dataPages; p++) if (!this.store.inUse.has(p)) free.push(p);
    this.store.space.regenerate(free);
    this.store.flash.sync();
    try {
      this.sync();
    } catch (e) {
      if (!isPddbError(e, 'NoFreeSpace')) throw e;
    }
    return this.store.space.available;
  }

  /**
   * The original shell's `consistency`: walk every open basis and report each page that is missing or damaged, what
   * it holds, each key it touches and how much of it still reads (check.ts). Decrypts every page of the open bases.
   */
  check(): CheckReport {
    this.requireMounted();
    return checkBases(this.stack);
  }

  /** Pages FastSpace can still hand out. */
  get freeSpace(): number {
    this.requireMounted();
    return this.store.space.available;
  }

  /**
   * `pddb churn`: every page of every open basis is rewritten (fresh nonce, fresh physical page, the old one
   * scrubbed), and every page FastSpace knows to be free gets fresh noise. Between two snapshots, the pages that
   * changed then say nothing about which basis was used. Pages of bases left locked are never touched: they are
   * neither open nor known free (FastSpace lists only pages known free; see fastspace.ts).
   */
  churn(): void {
    this.requireMounted();
    for (const c of this.stack)
      for (const vpage of [...c.basis.vpages()]) if (vpage !== ROOT_VPAGE) c.basis.writablePage(vpage);
    this.sync();
    const { flash, layout, random, inUse, space } = this.store;
    for (const page of space.knownFree()) {
      if (inUse.has(page)) continue;
      flash.erase(dataPageOffset(layout, page) / PAGE_SIZE);
      flash.program(dataPageOffset(layout, page), randomBytes(random, PAGE_SIZE));
    }
    flash.sync();
  }

  /** Name and keys of each open basis, for a hosted dump (the original's tools read these). */
  exportKeys(): { name: string; keys: BasisKeys }[] {
    this.requireMounted();
    return this.stack.map((c) => ({ name: c.name, keys: c.basis.exportKeys() }));
  }

  /** Sync, then forget every key (power off). Every later call fails NotMounted; a second close does nothing. */
  close(): void {
    if (this.stack.length === 0) return;
    this.sync();
    for (const c of this.stack.splice(0)) c.basis.close();
  }

  /** Under the original's policy (EngineOptions.syncPolicy) every change is synced at once, every open basis too. */
  private written(): void {
    if (this.store.policy !== 'original') return;
    for (const c of this.stack) c.basis.touchRoot();
    this.sync();
  }

  private resolve(h: KeyHandle): { dict: Dict; entry: KeyEntry } {
    this.requireMounted();
    if (!(h instanceof KeyHandle)) throw new PddbError('InvalidArgument', 'not a key handle');
    if (!h.catalog.basis.open || !this.stack.includes(h.catalog)) {
      throw new PddbError('BasisLost', `basis '${h.basis}' was locked`);
    }
    const dict = h.catalog.dict(h.dict);
    const entry = dict?.keys.get(h.key);
    if (!dict || !entry) throw new PddbError('NotFound', `key '${h.key}' was deleted`);
    return { dict, entry };
  }

  private catalogFor(basis: string | undefined): Catalog {
    return basis === undefined ? this.stack[this.stack.length - 1] : this.stack[this.openIndex(basis)];
  }

  private openIndex(name: string): number {
    checkBasisName(name);
    const i = this.stack.findIndex((c) => c.name === name);
    if (i < 0) throw new PddbError('NotFound', `basis '${name}' is not open`);
    return i;
  }

  private requireMounted(): void {
    if (this.stack.length === 0) throw new PddbError('NotMounted', 'the PDDB is not mounted (closed)');
  }

  /** Sync, then drop from the stack. A sync that fails (NoFreeSpace) leaves the basis open, nothing lost. */
  private closeAt(i: number): void {
    if (i === 0) throw new PddbError('AccessDenied', '.System cannot be locked');
    const c = this.stack[i];
    c.sync();
    this.settle();
    this.stack.splice(i, 1);
    c.basis.close();
    this.emit({ kind: 'locked', basis: c.name });
  }

  private deriveKeys(name: string, password: string): BasisKeys {
    checkPassword(password);
    try {
      return deriveBasisKeys(this.saltBase, name, password);
    } catch (e) {
      if (e instanceof KdfError) throw new PddbError('InvalidArgument', e.message);
      throw e;
    }
  }

  private emit(e: BasisEvent): void {
    for (const l of this.listeners) l(e);
  }
}

function checkPolicy(policy: unknown): void {
  const p = policy as RetentionPolicy | null;
  const ok =
    typeof p === 'object' &&
    p !== null &&
    (p.kind === 'persist' ||
      (p.kind === 'clearAfterSleeps' && Number.isSafeInteger(p.sleeps) && p.sleeps >= 0 && p.sleeps <= 0xffff_ffff));
  if (!ok)
    throw new PddbError(
      'InvalidArgument',
      "policy is { kind: 'persist' } or { kind: 'clearAfterSleeps', sleeps: n } (n a u32)",
    );
}

function wipeKeys(k: BasisKeys): void {
  k.pt.fill(0);
  k.data.fill(0);
}

function copyKeys(k: BasisKeys): BasisKeys {
  return { pt: k.pt.slice(), data: k.data.slice() };
}

function checkSpan(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new PddbError('InvalidArgument', 'offsets and lengths are non-negative integers');
  }
}
