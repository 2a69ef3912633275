// A dict of vault records in the PDDB, seen as the original's app sees it: the union over the open bases (newest
// basis wins a key name), each entry with the basis it lives in. Reached only through the Pddb client.
//
// The decoded entries are cached; the cache is dropped whenever the basis set changes (the basis monitor), and
// every listing also compares the open bases with the cache's, so a lock that races the monitor is still seen.
import { isPddbError, PddbError, type Pddb } from '../../pddb/index.ts';
import { VaultError } from './errors.ts';

export interface RecordKind<R> {
  dict: string;
  allocHint: number;
  /** What the user calls an entry in messages ("TOTP entry"). */
  noun: string;
  keyName(r: R): string;
  encode(r: R): Uint8Array;
  decode(bytes: Uint8Array): R;
  validate(r: R): void;
}

export interface Stored<R> {
  key: string;
  basis: string;
  record: R;
}

export interface PutOptions {
  /** Target basis; default the latest (the original's rule). */
  basis?: string;
  /** Replace an entry of the same key in the target basis instead of refusing it as a duplicate. */
  overwrite?: boolean;
}

export interface BatchResult<R> {
  added: Stored<R>[];
  /** Indexes (in the batch) of records whose key already exists. */
  duplicates: number[];
}

export class RecordStore<R> {
  private cache: { bases: string[]; entries: Map<string, Stored<R>>; unreadable: number } | null = null;
  private readonly stopMonitor: () => void;
  private queryCache: { generation: number; key: string; hits: Stored<R>[] } | null = null;
  /** Bumped whenever what all() returns may have changed. */
  private generation = 0;

  constructor(
    private readonly pddb: Pddb,
    readonly kind: RecordKind<R>,
  ) {
    this.stopMonitor = pddb.monitorBasis(() => this.invalidate());
  }

  close(): void {
    this.stopMonitor();
    this.invalidate();
  }

  invalidate(): void {
    this.cache = null;
    this.generation++;
  }

  /**
   * The entries `select` keeps, in `order`, remembered until anything changes: a listing is read in pages, and
   * filtering and sorting 10,000 entries again for each page would cost more than the PDDB reads.
   */
  async query(
    key: string,
    select: (s: Stored<R>) => boolean,
    order: (a: Stored<R>, b: Stored<R>) => number,
  ): Promise<{ hits: Stored<R>[]; unreadable: number }> {
    const c = await this.load();
    if (this.queryCache?.generation !== this.generation || this.queryCache.key !== key) {
      this.queryCache = { generation: this.generation, key, hits: [...c.entries.values()].filter(select).sort(order) };
    }
    return { hits: this.queryCache.hits, unreadable: c.unreadable };
  }

  /** Every readable entry, and how many stored values did not parse (they are never rewritten). */
  async all(): Promise<{ entries: Stored<R>[]; unreadable: number }> {
    const c = await this.load();
    return { entries: [...c.entries.values()], unreadable: c.unreadable };
  }

  async find(key: string): Promise<Stored<R> | undefined> {
    return (await this.load()).entries.get(key);
  }

  async require(key: string): Promise<Stored<R>> {
    const s = await this.find(key);
    if (!s) throw new VaultError('NotFound', `no such ${this.kind.noun}`);
    return s;
  }

  /** Create (or with `overwrite`, replace) one record, synced before returning. */
  async put(record: R, opts: PutOptions = {}): Promise<Stored<R>> {
    const r = await this.putMany([record], opts);
    if (r.duplicates.length > 0) throw new VaultError('Duplicate', `a ${this.kind.noun} with this name already exists`);
    return r.added[0];
  }

  /**
   * Store a batch atomically: every valid non-duplicate record or none, in one sync. A failure part way (the
   * PDDB full, say) deletes the keys this batch created before it is reported, so the next sync cannot keep half.
   */
  async putMany(records: R[], opts: PutOptions = {}): Promise<BatchResult<R>> {
    records.forEach((r) => this.kind.validate(r));
    const c = await this.load();
    const basis = opts.basis ?? (await this.pddb.latestBasis());
    const seen = new Set<string>();
    const duplicates: number[] = [];
    const todo: (Stored<R> & { fresh: boolean })[] = [];
    for (const [i, record] of records.entries()) {
      const key = this.kind.keyName(record);
      // The latest basis shows its own keys in the union; a named basis is asked.
      const inTarget = opts.basis === undefined ? c.entries.get(key)?.basis === basis : await this.existsIn(key, basis);
      // The original refuses a name that exists in the named basis, or in any open basis when none is named.
      const taken = opts.basis === undefined ? c.entries.has(key) : inTarget;
      if (seen.has(key) || (taken && !opts.overwrite)) duplicates.push(i);
      else todo.push({ key, basis, record, fresh: !inTarget });
      seen.add(key);
    }
    try {
      for (const s of todo) await this.write(s);
      await this.pddb.sync();
    } catch (e) {
      this.invalidate();
      for (const s of todo) if (s.fresh) await this.pddb.deleteKey(this.kind.dict, s.key, basis).catch(() => undefined);
      throw e;
    }
    for (const { fresh: _, ...s } of todo) this.remember(c, s);
    return { added: todo.map(({ fresh: _, ...s }) => s), duplicates };
  }

  /** Rewrite a record under the same key, in its basis (HOTP counter, usage stats), synced. */
  async rewrite(s: Stored<R>, record: R): Promise<Stored<R>> {
    this.kind.validate(record);
    if (this.kind.keyName(record) !== s.key) throw new PddbError('InternalError', 'rewrite changes the key name');
    const next = { ...s, record };
    try {
      await this.write(next);
      await this.pddb.sync();
    } catch (e) {
      this.invalidate();
      throw e;
    }
    this.remember(await this.load(), next);
    return next;
  }

  /** The original's edit: delete, then create in the same basis (the key moves when the name changes). */
  async replace(s: Stored<R>, record: R): Promise<Stored<R>> {
    this.kind.validate(record);
    const key = this.kind.keyName(record);
    if (key !== s.key && (await this.find(key)))
      throw new VaultError('Duplicate', `a ${this.kind.noun} with this name already exists`);
    try {
      await this.pddb.deleteKey(this.kind.dict, s.key, s.basis);
      const next = { key, basis: s.basis, record };
      await this.write(next);
      await this.pddb.sync();
    } finally {
      this.invalidate();
    }
    return { key, basis: s.basis, record };
  }

  async remove(s: Stored<R>): Promise<void> {
    try {
      await this.pddb.deleteKey(this.kind.dict, s.key, s.basis);
      await this.pddb.sync();
    } finally {
      this.invalidate();
    }
  }

  private async readKey(key: string, basis: string): Promise<Uint8Array> {
    const h = await this.pddb.get(this.kind.dict, key, { basis });
    try {
      return await h.readAll();
    } finally {
      await h.close();
    }
  }

  /** Batched: durable at the caller's sync, so a batch is one sync and all or nothing. */
  private async write(s: Stored<R>): Promise<void> {
    const bytes = this.kind.encode(s.record);
    const h = await this.pddb.get(this.kind.dict, s.key, {
      basis: s.basis,
      createDict: true,
      createKey: true,
      allocHint: this.kind.allocHint,
      batched: true,
    });
    try {
      await h.write(bytes);
      await h.truncate(bytes.length);
    } finally {
      await h.close();
    }
  }

  private async existsIn(key: string, basis: string): Promise<boolean> {
    try {
      await (await this.pddb.get(this.kind.dict, key, { basis })).close();
      return true;
    } catch (e) {
      if (isPddbError(e, 'NotFound')) return false;
      throw e;
    }
  }

  private remember(c: NonNullable<typeof this.cache>, s: Stored<R>): void {
    const shadowed = c.entries.get(s.key);
    // A key written under an older basis than the one that shows it: simplest to read the union again.
    if (shadowed && shadowed.basis !== s.basis) this.invalidate();
    else {
      c.entries.set(s.key, s);
      this.generation++;
    }
  }

  private async load(): Promise<NonNullable<typeof this.cache>> {
    const bases = await this.pddb.listBasis();
    if (this.cache && sameList(this.cache.bases, bases)) return this.cache;
    let raw: { key: string; basis: string; value?: Uint8Array }[] = [];
    try {
      raw = await this.pddb.readDict(this.kind.dict);
    } catch (e) {
      if (!isPddbError(e, 'NotFound')) throw e;
    }
    const entries = new Map<string, Stored<R>>();
    let unreadable = 0;
    for (const { key, basis, value } of raw) {
      try {
        // Values too long for a bulk read come without bytes (a record never should: it is read anyway).
        const bytes = value ?? (await this.readKey(key, basis));
        entries.set(key, { key, basis, record: this.kind.decode(bytes) });
      } catch {
        unreadable++;
      }
    }
    this.cache = { bases, entries, unreadable };
    this.generation++;
    return this.cache;
  }
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
