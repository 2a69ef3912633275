// The typed PDDB client, shaped like the original's Pddb API (services/pddb/src/lib.rs): get() returns a key handle
// (read / write / seek / truncate / flush / attributes / close); basis calls; listings; read_dict; sync; the basis
// monitor; key-change callbacks. Everything travels as IPC messages to the PDDB server; a result other than success
// becomes a PddbError with the original's code.
import { bytesToHex } from '@noble/ciphers/utils.js';
import { CODE_MEANING, codeFromNumber, PddbError, type CodeSpace } from './errors.ts';
import {
  BULK_LIMIT_DEFAULT,
  DELETE_LIST_BYTES,
  FormatState,
  KEY_CHUNK,
  MountResult,
  NAME_WIRE_MAX,
  PDDB_POLLER_NAME,
  PDDB_SERVER_NAME,
  PddbOp,
  pddbOps,
  PollOp,
  packNames,
  pollerOps,
  tokenToWords,
  unpackNames,
  type FormatProgress,
  type GetOptions,
  type KeyAttributes,
  type KeyRecord,
  type PddbOps,
  type PddbStatus,
  type PddbCheckReport,
  PAGE_DAMAGE_STATES,
  type RetentionPolicy,
} from './api.ts';
import type { ClientProcess, Connection } from '../transports/ipc/index.ts';

export interface PddbConnectOptions {
  timeoutMs?: number;
  /** The default for every get() and delete of this client: batched writes (see GetOptions.batched). */
  batched?: boolean;
  /** The key-export capability the device gave this process (only the device's own shell has one). */
  exportCapability?: Uint8Array;
}

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const encoder = new TextEncoder();

/** A name as the bytes the server gets. A lone surrogate would silently encode as U+FFFD (two strings, one name). */
function nameBytes(name: string, what: string): Uint8Array {
  if (typeof name !== 'string' || LONE_SURROGATE.test(name))
    throw new PddbError('InvalidName', `${what} name is not valid Unicode`);
  const bytes = encoder.encode(name);
  if (bytes.length > NAME_WIRE_MAX) throw new PddbError('InvalidName', `${what} name is ${bytes.length} bytes`);
  return bytes;
}

const optionalName = (name: string | undefined, what: string) =>
  name === undefined ? undefined : nameBytes(name, what);

function secretBytes(text: string, what: string): Uint8Array {
  if (typeof text !== 'string' || LONE_SURROGATE.test(text))
    throw new PddbError('InvalidArgument', `${what} is not valid Unicode`);
  const bytes = encoder.encode(text);
  if (bytes.length > NAME_WIRE_MAX) throw new PddbError('InvalidArgument', `${what} is too long`);
  return bytes;
}

function check<T extends { code: number }>(r: T, what: string, space: CodeSpace = 'request'): T {
  const code = codeFromNumber(r.code, space);
  if (code) throw new PddbError(code, CODE_MEANING[code] ? `${what}: ${CODE_MEANING[code]}` : what);
  return r;
}

/**
 * The key-change watches of one process. The server keeps one KeyWatch poll per process (it cannot tell two clients
 * of one process apart: they share a connection), so every Pddb of a process shares this hub and its one loop.
 */
class KeyWatchHub {
  readonly watchers = new Map<string, () => void>();
  private running = false;

  constructor(private readonly conn: Connection<PddbOps>) {}

  add(token: Uint8Array, onChange: () => void): void {
    this.watchers.set(bytesToHex(token), onChange);
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  remove(token: Uint8Array): void {
    this.watchers.delete(bytesToHex(token));
  }

  private async loop(): Promise<void> {
    try {
      while (this.watchers.size > 0) {
        const r = check(await this.conn.request(PddbOp.KeyWatch, {}), 'KeyWatch');
        for (const t of r.tokens ?? []) this.watchers.get(bytesToHex(t))?.();
        for (const t of r.gone ?? []) this.remove(t); // freed on the server: watch no more
      }
    } catch {
      // the connection or the server is gone: nothing more to watch
    } finally {
      this.running = false;
    }
  }
}

const hubs = new WeakMap<ClientProcess, KeyWatchHub>();

/** The listing opcodes keep one session per process on the server: a process's listings run one after another. */
const listings = new WeakMap<ClientProcess, Promise<unknown>>();
function oneListingAtATime<T>(proc: ClientProcess, run: () => Promise<T>): Promise<T> {
  const next = (listings.get(proc) ?? Promise.resolve()).then(run, run);
  listings.set(
    proc,
    next.catch(() => undefined),
  );
  return next;
}

export class Pddb {
  private poller: Promise<Connection<typeof pollerOps>> | undefined;
  private closed = false;

  private constructor(
    private readonly conn: Connection<PddbOps>,
    private readonly proc: ClientProcess,
    private readonly opts: PddbConnectOptions,
  ) {
    this.hub = hubs.get(proc) ?? new KeyWatchHub(conn);
    hubs.set(proc, this.hub);
  }

  private readonly hub: KeyWatchHub;

  /** Connect to the PDDB server (waits until it is registered, as a Xous client blocks on the name server). One
   * per process, as the original intends: a process's connections to a server share one CID. */
  static async connect(proc: ClientProcess, opts: PddbConnectOptions = {}): Promise<Pddb> {
    return new Pddb(await proc.connect(PDDB_SERVER_NAME, { api: pddbOps, timeoutMs: opts.timeoutMs }), proc, opts);
  }

  /** The original's is_mounted_blocking: resolves once .System is mounted. */
  async isMountedBlocking(): Promise<void> {
    await this.conn.blockingScalar(PddbOp.IsMounted);
  }

  /** The original's PddbMountPoller.is_mounted_nonblocking: the state now, even while the server is busy. */
  async isMounted(): Promise<boolean> {
    this.poller ??= this.proc.connect(PDDB_POLLER_NAME, { api: pollerOps, timeoutMs: this.opts.timeoutMs });
    const [m] = await (await this.poller).blockingScalar(PollOp.Poll);
    return m !== 0;
  }

  /** Mount .System with the boot PIN (on the original root-keys supplies it; here the caller does). Wrong PIN:
   * AccessDenied. */
  async tryMount(pin: string): Promise<void> {
    const bytes = secretBytes(pin, 'PIN');
    check(await this.conn.request(PddbOp.SetBootPin, { pin: bytes }), 'SetBootPin');
    bytes.fill(0);
    const [result, , why] = await this.conn.blockingScalar(PddbOp.TryMount);
    if (result !== MountResult.Mounted)
      throw new PddbError(codeFromNumber(why, 'request') ?? 'AccessDenied', 'TryMount');
  }

  /** Format the device, reporting progress. The image is replaced: only for a new or forgotten device. */
  async format(pin: string, size: number, onProgress?: (p: FormatProgress) => void): Promise<void> {
    const bytes = secretBytes(pin, 'PIN');
    check(await this.conn.request(PddbOp.FormatBegin, { pin: bytes, size: BigInt(size) }), 'FormatBegin');
    bytes.fill(0);
    for (;;) {
      const [done, total, state, code] = await this.conn.blockingScalar(PddbOp.FormatStep);
      if (state === FormatState.Failed || codeFromNumber(code, 'request')) {
        throw new PddbError(codeFromNumber(code, 'request') ?? 'InternalError', 'format failed');
      }
      onProgress?.({ done, total });
      if (state === FormatState.Done) return;
    }
  }

  /** Open bases, oldest first (.System first). */
  async listBasis(): Promise<string[]> {
    return check(await this.conn.request(PddbOp.ListBasis, {}), 'ListBasis').list ?? [];
  }

  async latestBasis(): Promise<string> {
    return check(await this.conn.request(PddbOp.LatestBasis, {}), 'LatestBasis').name!;
  }

  async createBasis(name: string, password: string): Promise<void> {
    const req = { name: nameBytes(name, 'basis'), password: secretBytes(password, 'password') };
    check(await this.conn.request(PddbOp.CreateBasis, req), 'CreateBasis');
    req.password.fill(0);
  }

  /** Unlock a basis onto the top of the stack. A wrong password and an absent basis both give AccessDenied. */
  async unlockBasis(name: string, password: string, policy: RetentionPolicy = { kind: 'persist' }): Promise<void> {
    const clearAfterSleeps = policy.kind === 'clearAfterSleeps' ? policy.sleeps : undefined;
    const req = { name: nameBytes(name, 'basis'), password: secretBytes(password, 'password'), clearAfterSleeps };
    check(await this.conn.request(PddbOp.OpenBasis, req), 'OpenBasis');
    req.password.fill(0);
  }

  async lockBasis(name: string): Promise<void> {
    check(await this.conn.request(PddbOp.CloseBasis, { name: nameBytes(name, 'basis') }), 'CloseBasis');
  }

  async deleteBasis(name: string): Promise<void> {
    check(await this.conn.request(PddbOp.DeleteBasis, { name: nameBytes(name, 'basis') }), 'DeleteBasis');
  }

  async get(dict: string, key: string, opts: GetOptions = {}): Promise<PddbKey> {
    const r = check(
      await this.conn.request(PddbOp.KeyRequest, {
        dict: nameBytes(dict, 'dict'),
        key: nameBytes(key, 'key'),
        basis: optionalName(opts.basis, 'basis'),
        createDict: opts.createDict ?? false,
        createKey: opts.createKey ?? false,
        allocHint: opts.allocHint === undefined ? undefined : BigInt(opts.allocHint),
        watch: opts.onChange !== undefined,
        batched: opts.batched ?? this.opts.batched ?? false,
      }),
      'KeyRequest',
    );
    const handle = new PddbKey(this.conn, r.token!, dict, key, r.basis!, () => this.hub.remove(r.token!));
    if (opts.onChange) this.hub.add(r.token!, opts.onChange);
    return handle;
  }

  /** Delete a key: in the latest basis unless one is named (the original's rule). */
  async deleteKey(dict: string, key: string, basis?: string): Promise<void> {
    const req = {
      dict: nameBytes(dict, 'dict'),
      key: nameBytes(key, 'key'),
      basis: optionalName(basis, 'basis'),
      batched: this.opts.batched ?? false,
    };
    check(await this.conn.request(PddbOp.DeleteKey, req), 'DeleteKey');
  }

  /** The original's delete_key_list: delete these keys of a dict (latest basis unless one is named); keys that are
   * not there are no error, a dict that is not there is AccessDenied. */
  async deleteKeyList(dict: string, keys: string[], basis?: string): Promise<void> {
    for (const k of keys) nameBytes(k, 'key');
    for (let rest = keys; rest.length > 0; ) {
      const { data, count } = packNames(rest, DELETE_LIST_BYTES);
      const req = {
        dict: nameBytes(dict, 'dict'),
        basis: optionalName(basis, 'basis'),
        data,
        batched: this.opts.batched ?? false,
      };
      check(await this.conn.request(PddbOp.DictBulkDelete, req), 'DictBulkDelete', 'retcode');
      rest = rest.slice(count);
    }
  }

  async deleteDict(dict: string, basis?: string): Promise<void> {
    const req = {
      dict: nameBytes(dict, 'dict'),
      basis: optionalName(basis, 'basis'),
      batched: this.opts.batched ?? false,
    };
    check(await this.conn.request(PddbOp.DeleteDict, req), 'DeleteDict');
  }

  /** Dict names: the union over open bases (sorted), or one basis. DictCountInBasis, then GetDictNameAtIndex. */
  listDicts(basis?: string): Promise<string[]> {
    return oneListingAtATime(this.proc, () => this.dictList(basis));
  }

  private async dictList(basis: string | undefined): Promise<string[]> {
    const first = check(
      await this.conn.request(PddbOp.DictCountInBasis, { basis: optionalName(basis, 'basis'), index: 0 }),
      'DictCountInBasis',
    );
    const out: string[] = [];
    for (let index = 0; index < (first.index ?? 0); index++) {
      out.push(check(await this.conn.request(PddbOp.GetDictNameAtIndex, { index }), 'GetDictNameAtIndex').dict!);
    }
    return out;
  }

  async listKeys(dict: string, basis?: string): Promise<string[]> {
    return (await this.listKeysCounted(dict, basis)).names;
  }

  /** Key names with the original's counts (keyCount: descriptors summed over the bases; foundKeyCount: those
   * found). KeyCountInDict, then ListKeyV2 pages. */
  listKeysCounted(dict: string, basis?: string): Promise<{ names: string[]; keyCount: number; foundKeyCount: number }> {
    return oneListingAtATime(this.proc, () => this.keyList(dict, basis));
  }

  private async keyList(
    dict: string,
    basis: string | undefined,
  ): Promise<{ names: string[]; keyCount: number; foundKeyCount: number }> {
    const req = { dict: nameBytes(dict, 'dict'), basis: optionalName(basis, 'basis'), index: 0 };
    const head = check(await this.conn.request(PddbOp.KeyCountInDict, req), 'KeyCountInDict');
    const names: string[] = [];
    for (;;) {
      const page = check(await this.conn.request(PddbOp.ListKeyV2, {}), 'ListKeyV2', 'retcode');
      names.push(...unpackNames(page.data ?? new Uint8Array()));
      if (page.end !== false) break;
    }
    return { names, keyCount: head.keyCount ?? 0, foundKeyCount: head.foundKeyCount ?? 0 };
  }

  /**
   * Every key of a dict with its attributes and value (the union: the newest basis holding a key wins), as the
   * original's read_dict: values longer than `sizeLimit` (default and maximum 32 KiB, at least 4 KiB) come back
   * without `value`; read those through get().
   */
  async readDict(dict: string, opts: { basis?: string; sizeLimit?: number } = {}): Promise<KeyRecord[]> {
    const out: KeyRecord[] = [];
    let after: string | undefined;
    for (;;) {
      const req = {
        dict: nameBytes(dict, 'dict'),
        basis: optionalName(opts.basis, 'basis'),
        limit: opts.sizeLimit ?? BULK_LIMIT_DEFAULT,
        after,
      };
      const r = check(await this.conn.request(PddbOp.DictBulkRead, req), 'DictBulkRead');
      const entries = r.entries ?? [];
      let at = 0;
      for (const e of entries) {
        const len = Number(e.len);
        const value = e.hasData ? r.data!.slice(at, at + len) : undefined;
        if (e.hasData) at += len;
        out.push({ key: e.key, basis: e.basis, len, reserved: Number(e.reserved), age: e.age, index: e.index, value });
      }
      r.data?.fill(0);
      if (!r.more || entries.length === 0) return out;
      after = entries[entries.length - 1].key;
    }
  }

  /** Make every pending change durable (batched writes). */
  async sync(): Promise<void> {
    check(await this.conn.request(PddbOp.Sync, {}), 'Sync');
  }

  /** A suspend/resume cycle: bases with ClearAfterSleeps(n) lock on their n-th. Returns the bases it locked. */
  async suspend(): Promise<string[]> {
    return check(await this.conn.request(PddbOp.Suspend, {}), 'Suspend').names ?? [];
  }

  /**
   * Relist every page no open basis uses in the free-space cache. Pages of a basis left locked look free to it and
   * may then be overwritten: `allBasesPresent` is the caller's confirmation that every basis is open.
   */
  async rebuildSpace(opts: { allBasesPresent: boolean }): Promise<number> {
    const answer = await this.conn.request(PddbOp.RebuildSpace, { allBasesPresent: opts.allBasesPresent === true });
    return check(answer, 'RebuildSpace').status!.freeSpace;
  }

  /** The original's `consistency`: every damaged or missing page of the open bases and the keys it touches. */
  async check(): Promise<PddbCheckReport> {
    const r = check(await this.conn.request(PddbOp.Check, {}), 'Check').report!;
    return {
      ...r,
      pages: r.pages.map((p) => ({ ...p, vpage: Number(p.vpage), state: PAGE_DAMAGE_STATES[p.state] ?? 'missing' })),
      keys: r.keys.map((k) => ({ ...k, len: Number(k.len), readable: Number(k.readable) })),
    };
  }

  async churn(): Promise<void> {
    check(await this.conn.request(PddbOp.Churn, {}), 'Churn');
  }

  async status(): Promise<PddbStatus> {
    const s = check(await this.conn.request(PddbOp.Status, {}), 'Status').status!;
    return { ...s, size: Number(s.size), erases: Number(s.erases), programs: Number(s.programs) };
  }

  /** Keys of the open bases (or of one), for a hosted dump. Needs the capability the device gave this process;
   * without it: AccessDenied. Handle the keys like the passwords they stand for. */
  async exportKeys(basis?: string): Promise<{ name: string; keys: { data: Uint8Array; pt: Uint8Array } }[]> {
    const capability = this.opts.exportCapability ?? new Uint8Array();
    const r = check(
      await this.conn.request(PddbOp.ExportKeys, { capability, basis: optionalName(basis, 'basis') }),
      'ExportKeys',
    );
    return (r.bases ?? []).map((b) => ({ name: b.name, keys: { data: b.data, pt: b.pt } }));
  }

  /**
   * Calls `onChange` with the open bases after every change of the basis stack (unlock, lock, create, delete),
   * until the returned function is called. The original's monitor_basis, in a loop.
   */
  monitorBasis(onChange: (bases: string[]) => void): () => void {
    let stopped = false;
    const loop = async () => {
      let since: number | undefined;
      while (!stopped && !this.closed) {
        let r;
        try {
          r = check(await this.conn.request(PddbOp.BasisMonitor, { since }), 'BasisMonitor');
        } catch {
          return;
        }
        since = r.seq;
        if (!stopped) onChange(r.list ?? []);
      }
    };
    void loop();
    return () => {
      stopped = true;
    };
  }

  /** Done with the PDDB: every handle and watch of this process is freed on the server, and the connection goes. */
  async close(): Promise<void> {
    this.closed = true;
    this.hub.watchers.clear(); // ReleaseTokens answers the pending poll; the loop then ends
    hubs.delete(this.proc);
    await this.conn.blockingScalar(PddbOp.ReleaseTokens);
    await this.conn.disconnect();
  }
}

/** An open key (PddbKey in the original): a cursor over one key's bytes. */
export class PddbKey {
  /** The cursor: reads and writes start here and advance it. */
  position = 0;

  constructor(
    private readonly conn: Connection<PddbOps>,
    private readonly token: Uint8Array,
    readonly dict: string,
    readonly key: string,
    readonly basis: string,
    private readonly onClose: () => void,
  ) {}

  async read(length: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    while (total < length) {
      const want = Math.min(KEY_CHUNK, length - total);
      const req = { token: this.token, position: BigInt(this.position), len: want, data: new Uint8Array(0) };
      const data = check(await this.conn.request(PddbOp.ReadKey, req), 'ReadKey', 'retcode').data ?? new Uint8Array(0);
      parts.push(data);
      total += data.length;
      this.position += data.length;
      if (data.length < want) break;
    }
    return concat(parts, total);
  }

  async readAll(): Promise<Uint8Array> {
    this.position = 0;
    return this.read((await this.attributes()).len);
  }

  /**
   * Write at the cursor. Durable when it returns unless the handle was opened with `batched`; the chunks of one call
   * are one commit (the server syncs after the last), so a cut leaves the key as it was before the call or after it.
   */
  async write(data: Uint8Array): Promise<void> {
    for (let at = 0; at < data.length; at += KEY_CHUNK) {
      const chunk = data.subarray(at, at + KEY_CHUNK);
      const more = at + KEY_CHUNK < data.length;
      const req = { token: this.token, position: BigInt(this.position), len: chunk.length, data: chunk, more };
      check(await this.conn.request(PddbOp.WriteKey, req), 'WriteKey', 'retcode');
      this.position += chunk.length;
    }
  }

  /** Move the cursor (std::io::SeekFrom): from the start, the cursor, or the end of the key (asks the server). */
  async seek(offset: number, whence: 'start' | 'current' | 'end' = 'start'): Promise<number> {
    const base = whence === 'start' ? 0 : whence === 'current' ? this.position : (await this.attributes()).len;
    const next = base + offset;
    if (!Number.isSafeInteger(next) || next < 0)
      throw new PddbError('InvalidArgument', 'seek before the start of the key');
    this.position = next;
    return next;
  }

  async truncate(length: number): Promise<void> {
    const req = { token: this.token, position: BigInt(length), len: 0, data: new Uint8Array(0) };
    check(await this.conn.request(PddbOp.TruncateKey, req), 'TruncateKey', 'retcode');
  }

  /** WriteKeyFlush: sync every open basis (what a batched handle needs; a durable one is on flash already). */
  async flush(): Promise<void> {
    const [code] = await this.conn.blockingScalar(PddbOp.WriteKeyFlush, [0]);
    check({ code }, 'WriteKeyFlush', 'retcode');
  }

  async attributes(): Promise<KeyAttributes> {
    const a = check(await this.conn.request(PddbOp.KeyAttributes, { token: this.token }), 'KeyAttributes').attributes!;
    return { ...a, len: Number(a.len), reserved: Number(a.reserved), age: Number(a.age) };
  }

  /** KeyDrop: the server forgets the handle (and its watch). */
  async close(): Promise<void> {
    this.onClose();
    await this.conn.blockingScalar(PddbOp.KeyDrop, tokenToWords(this.token));
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
