// The typed PDDB client, shaped like the original's Pddb API (services/pddb/src/lib.rs): get() returns a key
// handle with read / write / seek / truncate / flush / attributes; basis calls; listings; sync; basis monitor.
// Everything travels as IPC messages to the PDDB server; a non-zero result code becomes a PddbError.
import { PddbError, pddbCodeFromNumber } from './errors.ts';
import { KEY_CHUNK, PDDB_SERVER_NAME, PddbOp, pddbOps, type PddbOps } from './api.ts';
import type { ClientProcess, Connection } from '../transports/ipc/index.ts';
import type { KeyAttributes, GetOptions } from './engine/engine.ts';
import type { RetentionPolicy } from './engine/basis.ts';

export type { GetOptions, KeyAttributes, RetentionPolicy };

export interface FormatProgress {
  done: number;
  total: number;
}

function check<T extends { code: number; message: string }>(r: T): T {
  if (r.code !== 0) throw new PddbError(pddbCodeFromNumber(r.code) ?? 'InternalError', r.message.replace(/^\w+: /, ''));
  return r;
}

export class Pddb {
  private constructor(private readonly conn: Connection<PddbOps>) {}

  /** Connect to the PDDB server (waits until it is registered, as a Xous client blocks on the name server). */
  static async connect(proc: ClientProcess, timeoutMs?: number): Promise<Pddb> {
    return new Pddb(await proc.connect(PDDB_SERVER_NAME, { api: pddbOps, timeoutMs }));
  }

  async isMounted(): Promise<boolean> {
    const [m] = await this.conn.blockingScalar(PddbOp.IsMounted);
    return m === 1;
  }

  /** Mount .System with the boot PIN (the original gets it from root-keys; here the caller passes it). */
  async tryMount(pin: string): Promise<void> {
    check(await this.conn.request(PddbOp.TryMount, { pin }));
  }

  /** Format the device, reporting progress. The image is replaced: only for a new or forgotten device. */
  async format(pin: string, size: number, onProgress?: (p: FormatProgress) => void): Promise<void> {
    check(await this.conn.request(PddbOp.FormatBegin, { pin, size: BigInt(size) }));
    for (;;) {
      const [done, total, state] = await this.conn.blockingScalar(PddbOp.FormatStep);
      if (state === 2) throw new PddbError('InternalError', 'format failed');
      onProgress?.({ done, total });
      if (state === 1) return;
    }
  }

  async listBasis(): Promise<string[]> {
    return this.pages(PddbOp.ListBasis, {});
  }

  async latestBasis(): Promise<string> {
    const r = check(await this.conn.request(PddbOp.LatestBasis, {}));
    return r.names![0];
  }

  async createBasis(name: string, password: string): Promise<void> {
    check(await this.conn.request(PddbOp.CreateBasis, { name, password, policy: 0, sleeps: 0 }));
  }

  async unlockBasis(name: string, password: string, policy: RetentionPolicy = { kind: 'persist' }): Promise<void> {
    const sleeps = policy.kind === 'clearAfterSleeps' ? policy.sleeps : 0;
    check(await this.conn.request(PddbOp.OpenBasis, { name, password, policy: policy.kind === 'persist' ? 0 : 1, sleeps }));
  }

  async lockBasis(name: string): Promise<void> {
    check(await this.conn.request(PddbOp.CloseBasis, { name, policy: 0, sleeps: 0 }));
  }

  async deleteBasis(name: string): Promise<void> {
    check(await this.conn.request(PddbOp.DeleteBasis, { name, policy: 0, sleeps: 0 }));
  }

  async get(dict: string, key: string, opts: GetOptions = {}): Promise<PddbKey> {
    const r = check(
      await this.conn.request(PddbOp.KeyRequest, {
        dict,
        key,
        basis: opts.basis,
        createDict: opts.createDict ?? false,
        createKey: opts.createKey ?? false,
        allocHint: opts.allocHint === undefined ? undefined : BigInt(opts.allocHint),
      }),
    );
    return new PddbKey(this.conn, r.token!, dict, key, r.basis!);
  }

  async deleteKey(dict: string, key: string, basis?: string): Promise<void> {
    check(await this.conn.request(PddbOp.DeleteKey, { dict, key, basis }));
  }

  async deleteDict(dict: string, basis?: string): Promise<void> {
    check(await this.conn.request(PddbOp.DeleteDict, { dict, basis }));
  }

  async listDicts(basis?: string): Promise<string[]> {
    return this.pages(PddbOp.ListDict, { basis });
  }

  async listKeys(dict: string, basis?: string): Promise<string[]> {
    return this.pages(PddbOp.ListKey, { dict, basis });
  }

  /** Every key of a dict with its value (the union, newest basis wins), read in pages. */
  async readDict(dict: string, basis?: string): Promise<{ key: string; basis: string; value: Uint8Array }[]> {
    const out: { key: string; basis: string; value: Uint8Array }[] = [];
    let after: string | undefined;
    for (;;) {
      const r = check(await this.conn.request(PddbOp.DictBulkRead, { dict, basis, after }));
      for (const e of r.entries ?? []) {
        // Values too long for a bulk page come back without bytes: read them through a handle.
        const value = e.value ?? (await (await this.get(dict, e.key, { basis: e.basis })).readAll());
        out.push({ key: e.key, basis: e.basis, value });
      }
      if (!r.more || !r.entries?.length) return out;
      after = r.entries[r.entries.length - 1].key;
    }
  }

  async sync(): Promise<void> {
    check(await this.conn.request(PddbOp.Sync, {}));
  }

  /** A suspend/resume cycle: bases with ClearAfterSleeps(n) lock on their n-th. Returns the bases it locked. */
  async suspend(): Promise<string[]> {
    return check(await this.conn.request(PddbOp.Suspend, {})).names ?? [];
  }

  async rebuildSpace(): Promise<number> {
    return check(await this.conn.request(PddbOp.RebuildSpace, {})).status!.freeSpace;
  }

  async churn(): Promise<void> {
    check(await this.conn.request(PddbOp.Churn, {}));
  }

  async status() {
    const s = check(await this.conn.request(PddbOp.Status, {})).status!;
    return { ...s, size: Number(s.size), erases: Number(s.erases), programs: Number(s.programs) };
  }

  /** Keys of the open bases (or of one), for a hosted dump: handle like the passwords they stand for. */
  async exportKeys(basis?: string): Promise<{ name: string; keys: { data: Uint8Array; pt: Uint8Array } }[]> {
    const r = check(await this.conn.request(PddbOp.ExportKeys, { basis }));
    return (r.bases ?? []).map((b) => ({ name: b.name, keys: { data: b.data, pt: b.pt } }));
  }

  /**
   * Calls `onChange` after every basis change (unlock, lock, create, delete) until the returned function is
   * called. The original registers a callback server; this is a long poll on BasisMonitor.
   */
  monitorBasis(onChange: (seq: number) => void): () => void {
    let stopped = false;
    let seq = 0;
    const loop = async () => {
      while (!stopped) {
        try {
          [seq] = await this.conn.blockingScalar(PddbOp.BasisMonitor, [seq]);
        } catch {
          return;
        }
        if (!stopped) onChange(seq);
      }
    };
    void loop();
    return () => {
      stopped = true;
    };
  }

  private async pages(op: PddbOp.ListBasis | PddbOp.ListDict | PddbOp.ListKey, req: { dict?: string; basis?: string }): Promise<string[]> {
    const out: string[] = [];
    let after: string | undefined;
    for (;;) {
      const r = check(await this.conn.request(op, { ...req, after }));
      out.push(...(r.names ?? []));
      if (!r.more || !r.names?.length) return out;
      after = r.names[r.names.length - 1];
    }
  }
}

/** An open key (PddbKey in the original): a cursor over one key's bytes. */
export class PddbKey {
  /** The cursor: reads and writes start here and advance it. */
  position = 0;

  constructor(
    private readonly conn: Connection<PddbOps>,
    private readonly token: number,
    readonly dict: string,
    readonly key: string,
    readonly basis: string,
  ) {}

  async read(length: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    while (total < length) {
      const want = Math.min(KEY_CHUNK, length - total);
      const r = check(await this.conn.request(PddbOp.ReadKey, { token: this.token, position: BigInt(this.position), len: want, data: new Uint8Array(0) }));
      const data = r.data ?? new Uint8Array(0);
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

  async write(data: Uint8Array): Promise<void> {
    for (let at = 0; at < data.length; at += KEY_CHUNK) {
      const chunk = data.subarray(at, at + KEY_CHUNK);
      check(await this.conn.request(PddbOp.WriteKey, { token: this.token, position: BigInt(this.position), len: chunk.length, data: chunk }));
      this.position += chunk.length;
    }
  }

  seek(position: number, whence: 'start' | 'current' = 'start'): number {
    const next = whence === 'start' ? position : this.position + position;
    if (!Number.isSafeInteger(next) || next < 0) throw new PddbError('InvalidArgument', 'seek before the start of the key');
    this.position = next;
    return next;
  }

  async truncate(length: number): Promise<void> {
    check(await this.conn.request(PddbOp.TruncateKey, { token: this.token, position: BigInt(length), len: 0, data: new Uint8Array(0) }));
  }

  /** Make this key's writes durable (the original syncs after every write; we sync when asked). */
  async flush(): Promise<void> {
    check(await this.conn.request(PddbOp.WriteKeyFlush, { token: this.token }));
  }

  async attributes(): Promise<KeyAttributes> {
    const a = check(await this.conn.request(PddbOp.KeyAttributes, { token: this.token })).attributes!;
    return { ...a, len: Number(a.len), reserved: Number(a.reserved) };
  }

  /** Drop the handle on the server (KeyDrop). */
  async close(): Promise<void> {
    await this.conn.scalar(PddbOp.KeyDrop, [this.token]);
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
