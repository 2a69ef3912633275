// The kernel's state: the process table and the server table, and what happens when a server is created or a
// process ends. The name server's operations (broker.ts), the worker side (worker/spawn.ts) and the public facade
// (kernel.ts) all work on this one object; nothing outside the kernel sees it.
import type { MessagePort, Worker } from 'node:worker_threads';
import type { Random } from '../../lib/random.ts';
import { codeOf, errorName, IpcError, XousError } from './errors.ts';
import { MAX_CONNECTIONS, MAX_SERVERS } from './limits.ts';
import { LocalServer } from './local-server.ts';
import { checkLimit, checkName, NameTable, type Token } from './names.ts';
import type { ServerInfo } from './route.ts';
import {
  compileOpcodes,
  type Incoming,
  type OpcodeMeta,
  type OpcodeTable,
  type OpTable,
  type ServerSpec,
} from './server.ts';
import { failPendingSlots, H_DEAD, H_SPACE, newRing } from './shared/layout.ts';
import type { SpinTuning } from './shared/remote-route.ts';
import { Sid } from './sid.ts';
import { droppedRecord, nowMs, type Trace } from './trace.ts';
import type { Broker } from './broker.ts';

export type Mode = 'thread' | 'worker';

export const KERNEL_PID = 1;

export interface SlotRec {
  server: number;
  /** Name and token when the name server brokered it: disconnect presents the token. */
  name: string | undefined;
  token: Token | undefined;
}

export interface ProcRec {
  pid: number;
  name: string;
  alive: boolean;
  slots: (SlotRec | undefined)[];
  servers: Set<number>;
  exited: Promise<number>;
  resolveExit: (code: number) => void;
  exitCode: number | undefined;
  error: unknown;
  /** While a spawned process's main function runs. */
  started?: { resolve: () => void; reject: (e: unknown) => void };
  // worker mode
  worker?: Worker;
  block?: SharedArrayBuffer;
  ctl?: MessagePort;
  tracePort?: MessagePort;
}

export interface ServerRec {
  index: number;
  sid: Sid;
  name: string | undefined;
  info: ServerInfo;
  meta: OpcodeMeta[];
  limit: number | undefined;
  /** Thread mode: the server itself. */
  local?: LocalServer;
  /** Worker mode: its queue, and the reply slots of every connection to it (failed if it dies). */
  ring?: SharedArrayBuffer;
  channels: Int32Array[];
  nextConn: number;
}

export class KernelCore {
  readonly names: NameTable;
  readonly servers: (ServerRec | undefined)[] = new Array(MAX_SERVERS).fill(undefined);
  readonly procs = new Map<number, ProcRec>();
  broker!: Broker;
  closed = false;
  private nextPid = 2;

  constructor(
    readonly mode: Mode,
    readonly rng: Random,
    readonly trace: Trace,
    readonly tuning: SpinTuning & { serverSpinUs: number },
  ) {
    this.names = new NameTable(rng);
  }

  newProc(name: string): ProcRec {
    if (this.closed) throw new IpcError(XousError.ProcessTerminated, 'kernel is shut down');
    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((r) => (resolveExit = r));
    const proc: ProcRec = {
      pid: this.nextPid++,
      name: String(name),
      alive: true,
      slots: new Array(MAX_CONNECTIONS).fill(undefined),
      servers: new Set(),
      exited,
      resolveExit,
      exitCode: undefined,
      error: undefined,
    };
    this.procs.set(proc.pid, proc);
    return proc;
  }

  live(pid: number): ProcRec {
    const p = this.procs.get(pid);
    if (p === undefined || !p.alive) throw new IpcError(XousError.ProcessTerminated, `process ${pid} has ended`);
    return p;
  }

  /** A process ended (exit, crash, kill): destroy its servers, free its slots, fail whoever waits on it. */
  processGone(proc: ProcRec, code: number): void {
    if (!proc.alive) return;
    proc.alive = false;
    for (const index of [...proc.servers]) this.destroyServer(index);
    proc.slots.fill(undefined);
    this.broker.dropWaiters(proc.pid);
    proc.exitCode = code;
    // Exiting cleanly during start is a process that did its job; anything else is a failed start.
    if (code === 0) proc.started?.resolve();
    else
      proc.started?.reject(
        new IpcError(XousError.ProcessTerminated, `process '${proc.name}' ended during start (code ${code})`),
      );
    proc.started = undefined;
    proc.resolveExit(code);
  }

  /** Create a server for `proc`. Thread mode passes the spec (the server runs here); worker mode only its table. */
  registerServer(
    proc: ProcRec,
    name: unknown,
    connLimit: unknown,
    meta: OpcodeMeta[],
    spec?: ServerSpec<OpcodeTable>,
  ): ServerRec {
    const t0 = nowMs();
    try {
      if (!proc.alive) throw new IpcError(XousError.ProcessTerminated, 'process has ended');
      if (name !== undefined) checkName(name);
      const limit = checkLimit(connLimit);
      if (name !== undefined && this.names.has(name as string))
        throw new IpcError(XousError.ServerExists, `name '${name as string}' is taken`);
      const index = this.servers.indexOf(undefined);
      if (index < 0) throw new IpcError(XousError.OutOfMemory, `server table full (${MAX_SERVERS})`);
      const sid = Sid.random(this.rng);
      const display = (name as string | undefined) ?? `anon:${sid.words[0].toString(16).padStart(8, '0')}`;
      const info: ServerInfo = {
        index,
        name: display,
        host: proc.name,
        pid: proc.pid,
        ops: undefined as unknown as OpTable,
      };
      const rec: ServerRec = {
        index,
        sid,
        name: name as string | undefined,
        info,
        meta,
        limit,
        channels: [],
        nextConn: 1,
      };
      if (spec !== undefined) {
        info.ops = compileOpcodes(meta, spec.opcodes);
        rec.local = new LocalServer({ name: display, ops: info.ops, spec }, info, (msg, err) =>
          this.traceDropped(rec, msg, err),
        );
      } else {
        info.ops = compileOpcodes(meta);
        rec.ring = newRing();
      }
      this.servers[index] = rec;
      proc.servers.add(index);
      if (name !== undefined) {
        this.names.register(name as string, index, limit);
        this.traceNameOp(proc, 'Register', { name }, t0);
        this.broker.wakeWaiters(name as string);
      }
      return rec;
    } catch (e) {
      if (name !== undefined)
        this.traceNameOp(proc, 'Register', { name: typeof name === 'string' ? name : '?' }, t0, e);
      throw e;
    }
  }

  /** A server ends with its process: unnamed, disconnected from every process, its waiting callers failed. */
  destroyServer(index: number): void {
    const rec = this.servers[index];
    if (rec === undefined) return;
    this.servers[index] = undefined;
    if (rec.name !== undefined) this.names.remove(rec.name);
    this.procs.get(rec.info.pid)?.servers.delete(index);
    // As the original's destroy_server: the server is disconnected from every process.
    for (const p of this.procs.values()) {
      for (let i = 0; i < p.slots.length; i++) if (p.slots[i]?.server === index) p.slots[i] = undefined;
    }
    rec.local?.kill();
    if (rec.ring) {
      const ring = new Int32Array(rec.ring);
      Atomics.store(ring, H_DEAD, 1);
      Atomics.add(ring, H_SPACE, 1);
      Atomics.notify(ring, H_SPACE);
      for (const slots of rec.channels) failPendingSlots(slots, XousError.ProcessTerminated);
    }
  }

  // ---- tracing of kernel operations ---------------------------------------------------------------------

  /** A name-server operation, traced as the message to xous-names it is in the original. */
  traceNameOp(proc: ProcRec, op: string, request: unknown, t0: number, err?: unknown, reply?: number[]): void {
    if (!this.trace.enabled) return;
    const blocking = op === 'TrustedInitDone';
    this.record(
      proc,
      'xous-names',
      op,
      blocking ? 'BlockingScalar' : 'MutableBorrow',
      blocking ? 0 : 4096,
      t0,
      err,
      request,
      reply,
    );
  }

  /** A kernel call (connect by SID). */
  traceSyscall(proc: ProcRec, op: string, t0: number, err: unknown, server: string): void {
    if (!this.trace.enabled) return;
    this.record(proc, 'kernel', op, 'BlockingScalar', 0, t0, err, { server }, undefined);
  }

  private record(
    proc: ProcRec,
    to: string,
    op: string,
    kind: string,
    bytes: number,
    t0: number,
    err: unknown,
    request: unknown,
    reply: number[] | undefined,
  ): void {
    const code = err === undefined ? 0 : codeOf(err);
    this.trace.record({
      t: t0 - this.trace.epoch,
      from: proc.name,
      pid: proc.pid,
      to,
      host: 'kernel',
      toPid: KERNEL_PID,
      op,
      opcode: 0,
      kind,
      bytes,
      result: code === 0 ? 'ok' : errorName(code),
      code,
      latencyUs: (nowMs() - t0) * 1000,
      ...(request !== undefined ? { request } : {}),
      ...(reply !== undefined ? { reply } : {}),
    });
  }

  private traceDropped(rec: ServerRec, msg: Incoming, err: IpcError): void {
    if (!this.trace.enabled) return;
    const from = this.procs.get(msg.sender);
    this.trace.record(droppedRecord(from?.name ?? `pid ${msg.sender}`, msg, rec.info, err, this.trace.epoch));
  }
}
