// The name server's operations (xous-names semantics over NameTable) and the processes' connection tables:
// brokering a connection by name or SID, blocking connect and its waiters, disconnect and tokens, trusted init.
import { IpcError, XousError } from './errors.ts';
import { FIRST_CID, MAX_CONNECTIONS } from './limits.ts';
import { checkName, type Token } from './names.ts';
import type { KernelCore, ServerRec } from './core.ts';
import { Sid } from './sid.ts';
import { nowMs } from './trace.ts';

/** A connection the kernel granted: `fresh` unless the process already held one to this server (same CID). */
export interface RawGrant {
  cid: number;
  token: Token | undefined;
  server: ServerRec;
  fresh: boolean;
}

interface ConnectWaiter {
  name: string;
  pid: number;
  resolve: (g: RawGrant) => void;
  reject: (e: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class Broker {
  private readonly waiters: ConnectWaiter[] = [];

  constructor(private readonly core: KernelCore) {}

  /** BlockingConnect (blocking) or Lookup: connect `pid` to the server registered as `name`. */
  async connectByName(pid: number, name: unknown, blocking: boolean, timeoutMs?: number): Promise<RawGrant> {
    const proc = this.core.live(pid);
    const t0 = nowMs();
    const op = blocking ? 'BlockingConnect' : 'Lookup';
    try {
      checkName(name);
      if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs >= 0))) {
        throw new IpcError(XousError.InvalidArgument, 'timeoutMs must be a non-negative number');
      }
      const known = this.core.names.has(name as string);
      const g =
        known || !blocking ? this.broker(pid, name as string) : await this.waitFor(pid, name as string, timeoutMs);
      this.core.traceNameOp(proc, op, { name }, t0);
      return g;
    } catch (e) {
      this.core.traceNameOp(proc, op, { name: typeof name === 'string' ? name : '?' }, t0, e);
      throw e;
    }
  }

  /** The name is known (or this is a lookup): broker a connection now, or fail with ServerNotFound. */
  private broker(pid: number, name: string): RawGrant {
    const got = this.core.names.connect(name);
    // Unknown, or its connection limit is used up: the same answer, as xous-names gives.
    if (got === undefined) throw new IpcError(XousError.ServerNotFound, `no server '${name}' to connect to`);
    try {
      return this.attach(pid, got.server, name, got.token);
    } catch (e) {
      this.core.names.release(name);
      throw e;
    }
  }

  private waitFor(pid: number, name: string, timeoutMs: number | undefined): Promise<RawGrant> {
    return new Promise<RawGrant>((resolve, reject) => {
      const w: ConnectWaiter = { name, pid, resolve, reject, timer: undefined };
      if (timeoutMs !== undefined) {
        w.timer = setTimeout(() => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new IpcError(XousError.Timeout, `no server '${name}' registered within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.waiters.push(w);
    });
  }

  /** `name` was just registered: connect everyone waiting for it. */
  wakeWaiters(name: string): void {
    for (let i = 0; i < this.waiters.length; ) {
      const w = this.waiters[i];
      if (w.name !== name) {
        i++;
        continue;
      }
      this.waiters.splice(i, 1);
      clearTimeout(w.timer);
      try {
        w.resolve(this.broker(w.pid, name));
      } catch (e) {
        w.reject(e);
      }
    }
  }

  /** Fail the blocking connects of a process that ended (or of everyone: pid undefined). */
  dropWaiters(pid: number | undefined, why = 'process ended while connecting'): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i];
      if (pid !== undefined && w.pid !== pid) continue;
      this.waiters.splice(i, 1);
      clearTimeout(w.timer);
      w.reject(new IpcError(XousError.ProcessTerminated, why));
    }
  }

  /** xous::connect(sid): no name server, no limit. */
  async connectSid(pid: number, words: readonly number[]): Promise<RawGrant> {
    const proc = this.core.live(pid);
    const t0 = nowMs();
    try {
      if (!Array.isArray(words) || words.length !== 4)
        throw new IpcError(XousError.InvalidArgument, 'a SID is 4 words');
      const sid = new Sid(words);
      const rec = this.core.servers.find((s) => s?.sid.equals(sid));
      if (rec === undefined) throw new IpcError(XousError.ServerNotFound, 'no server with that SID');
      const g = this.attach(pid, rec.index, undefined, undefined);
      this.core.traceSyscall(proc, 'Connect', t0, undefined, rec.info.name);
      return g;
    } catch (e) {
      this.core.traceSyscall(proc, 'Connect', t0, e, '?');
      throw e;
    }
  }

  /** Give `pid` a CID for server `index`: the one it has, else the first free slot; OutOfMemory when all 32 are used. */
  private attach(pid: number, index: number, name: string | undefined, token: Token | undefined): RawGrant {
    const proc = this.core.live(pid);
    const server = this.core.servers[index]!;
    const held = proc.slots.findIndex((s) => s?.server === index);
    if (held >= 0) {
      const slot = proc.slots[held]!;
      if (token !== undefined) Object.assign(slot, { name, token });
      return { cid: held + FIRST_CID, token: token ?? slot.token, server, fresh: false };
    }
    const free = proc.slots.indexOf(undefined);
    if (free < 0)
      throw new IpcError(
        XousError.OutOfMemory,
        `process '${proc.name}' has no free connection slot (${MAX_CONNECTIONS})`,
      );
    proc.slots[free] = { server: index, name, token };
    return { cid: free + FIRST_CID, token, server, fresh: true };
  }

  /** Free a CID slot; a brokered connection presents its token, freeing one slot of a limited server. */
  disconnect(pid: number, cid: number): void {
    const proc = this.core.live(pid);
    const t0 = nowMs();
    const slot = proc.slots[cid - FIRST_CID];
    if (slot === undefined) return;
    proc.slots[cid - FIRST_CID] = undefined;
    if (slot.name !== undefined && slot.token !== undefined) {
      const ok = this.core.names.disconnect(slot.name, slot.token);
      this.core.traceNameOp(
        proc,
        'Disconnect',
        { name: slot.name },
        t0,
        ok ? undefined : new IpcError(XousError.ServerNotFound, 'stale token'),
      );
    }
  }

  disconnectWithToken(pid: number, name: unknown, token: readonly number[]): void {
    const proc = this.core.live(pid);
    const t0 = nowMs();
    const ok = typeof name === 'string' && this.core.names.disconnect(name, token);
    const err = ok ? undefined : new IpcError(XousError.ServerNotFound, 'unknown name or stale token');
    this.core.traceNameOp(proc, 'Disconnect', { name: typeof name === 'string' ? name : '?' }, t0, err);
    if (err) throw err;
  }

  trustedInitDone(pid: number): boolean {
    const proc = this.core.live(pid);
    const t0 = nowMs();
    const done = this.core.names.trustedInitDone();
    this.core.traceNameOp(proc, 'TrustedInitDone', undefined, t0, undefined, [done ? 1 : 0, 0, 0, 0]);
    return done;
  }
}
