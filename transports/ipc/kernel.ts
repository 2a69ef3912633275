// The kernel: what its users see. Processes (PIDs, 32 connection slots each), servers (128 at most, 128-bit SIDs),
// the name server, and the two execution modes: in thread mode every server runs in this thread; in worker mode
// each spawned process is a worker_thread and messages travel through shared memory (shared/). The kernel itself
// always lives in the thread that created it; code inside workers reaches it with messages (worker/link.ts).
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultRandom, type Random } from '../../lib/random.ts';
import { Broker, type RawGrant } from './broker.ts';
import { KernelCore, type Mode, type ProcRec } from './core.ts';
import { IpcError, XousError } from './errors.ts';
import { ClientProcess, loadMain, type Grant, type KernelLink } from './process.ts';
import type { Route } from './route.ts';
import { callerWaits, P_SLEEPS } from './shared/layout.ts';
import { RemoteRoute } from './shared/remote-route.ts';
import { ThreadContext } from './thread-context.ts';
import { Trace } from './trace.ts';
import { drainTrace, openChannel, spawnWorker } from './worker/spawn.ts';

export type { Mode } from './core.ts';

export interface KernelOptions {
  /** 'thread' (default): servers run in this thread, deterministic. 'worker': each spawned process is a worker_thread. */
  mode?: Mode;
  /** Source of SIDs and disconnect tokens (seed it for reproducible runs). */
  random?: Random;
  /** Record every message (see Trace). Switch it on before spawning: workers read it at start. */
  trace?: boolean;
  /** Worker mode: longest spin of a caller waiting for an awake server's answer, us (default 50). */
  spinUs?: number;
  /** Worker mode: longest spin when the server was asleep at send (default 200: a wake-up costs ~40-100 us). */
  wakeSpinUs?: number;
  /** Worker mode: how long an idle server's receive loop spins before it sleeps in Atomics.wait, us (default 50). */
  serverSpinUs?: number;
}

export interface SpawnOptions<I = unknown> {
  /** Process name (shown in traces). */
  name: string;
  /** Module (URL, or absolute path) whose export is a ProcessMain: `async (ctx, init) => { await ctx.registerServer(...) }`. */
  module: URL | string;
  /** Export to call (default 'default'). */
  export?: string;
  /** Passed to the main function as a structured clone (SharedArrayBuffers stay shared). */
  init?: I;
}

export interface ProcessHandle {
  readonly pid: number;
  readonly name: string;
  /** Resolves with the exit code when the process ends: ctx.exit(code), a crash, kill() or shutdown(). */
  readonly exited: Promise<number>;
  /** Why a worker process died, if it threw (for debugging; never traced). */
  readonly error: unknown;
  kill(): Promise<void>;
}

export interface ServerStatus {
  name: string;
  sid: string;
  pid: number;
  host: string;
  connLimit: number | undefined;
}

export class Kernel {
  readonly mode: Mode;
  readonly trace: Trace;
  private readonly core: KernelCore;
  private readonly link: KernelLink;

  constructor(opts: KernelOptions = {}) {
    this.mode = opts.mode ?? 'thread';
    if (this.mode !== 'thread' && this.mode !== 'worker')
      throw new IpcError(XousError.InvalidArgument, `unknown mode '${String(this.mode)}'`);
    this.trace = new Trace(opts.trace === true);
    const tuning = {
      spinUs: opts.spinUs ?? 50,
      wakeSpinUs: opts.wakeSpinUs ?? 200,
      serverSpinUs: opts.serverSpinUs ?? 50,
    };
    this.core = new KernelCore(this.mode, opts.random ?? defaultRandom, this.trace, tuning);
    this.core.broker = new Broker(this.core);
    this.trace.pull = () => {
      for (const p of this.core.procs.values()) drainTrace(this.core, p);
    };
    this.link = this.mainLink();
  }

  /** A process for the calling thread (a client: it connects and calls, it hosts no servers). */
  process(name: string): ClientProcess {
    const proc = this.core.newProc(name);
    return new ClientProcess(proc.pid, proc.name, this.link, this.trace);
  }

  /** Start a process from a module. Resolves once its main function has returned (its servers are registered). */
  async spawn<I = unknown>(opts: SpawnOptions<I>): Promise<ProcessHandle> {
    if (this.core.closed) throw new IpcError(XousError.ProcessTerminated, 'kernel is shut down');
    if (typeof opts?.name !== 'string' || opts.module === undefined)
      throw new IpcError(XousError.InvalidArgument, 'spawn needs a name and a module');
    const url = moduleHref(opts.module);
    const proc = this.core.newProc(opts.name);
    const handle: ProcessHandle = {
      pid: proc.pid,
      name: proc.name,
      exited: proc.exited,
      get error() {
        return proc.error;
      },
      kill: () => this.kill(proc.pid),
    };
    const exportName = opts.export ?? 'default';
    if (this.mode === 'thread') await this.spawnInThread(proc, url, exportName, opts.init);
    else await spawnWorker(this.core, proc, url, exportName, opts.init, (e) => startFailure(proc.name, e));
    return handle;
  }

  /** End a process from outside (a worker is terminated; in thread mode its servers are destroyed). */
  async kill(pid: number): Promise<void> {
    const proc = this.core.procs.get(pid);
    if (proc === undefined || !proc.alive) return;
    if (proc.worker) {
      await proc.worker.terminate();
      await proc.exited;
    } else {
      this.core.processGone(proc, 1);
    }
  }

  /** Every limited server has all its connections (xous-names TrustedInitDone). */
  trustedInitDone(): boolean {
    return this.core.names.trustedInitDone();
  }

  /** The live servers (for status displays). */
  listServers(): ServerStatus[] {
    return this.core.servers
      .filter((s) => s !== undefined)
      .map((s) => ({
        name: s.info.name,
        sid: s.sid.toString(),
        pid: s.info.pid,
        host: s.info.host,
        connLimit: s.limit,
      }));
  }

  /**
   * Worker mode diagnostics: how often callers in this thread slept for an answer, and how often the receive loops
   * of the worker processes went to sleep. Both are cheap to keep and explain latency: each sleep costs a thread
   * wake-up (tens of us) where a spinning wait costs well under one.
   */
  waitCounts(): { callerSleeps: number; serverSleeps: number } {
    let serverSleeps = 0;
    for (const p of this.core.procs.values())
      if (p.block) serverSleeps += Atomics.load(new Int32Array(p.block), P_SLEEPS);
    return { callerSleeps: callerWaits.sleeps, serverSleeps };
  }

  /** End every process and refuse further work. Pending callers fail with ProcessTerminated. */
  async shutdown(): Promise<void> {
    if (this.core.closed) return;
    this.trace.pull?.();
    this.core.closed = true;
    this.core.broker.dropWaiters(undefined, 'kernel shut down');
    await Promise.all([...this.core.procs.values()].map((p) => this.kill(p.pid)));
  }

  private async spawnInThread(proc: ProcRec, url: string, exportName: string, init: unknown): Promise<void> {
    try {
      const cloned = cloneInit(init);
      const main = await loadMain(url, exportName);
      await main(new ThreadContext(this.core, proc, this.link), cloned);
      if (!proc.alive && proc.exitCode !== 0)
        throw new IpcError(XousError.ProcessTerminated, `exited with code ${proc.exitCode} during start`);
    } catch (e) {
      proc.error = e;
      if (proc.alive) this.core.processGone(proc, 1);
      throw startFailure(proc.name, e);
    }
  }

  /** Kernel services for code in this thread: direct calls. */
  private mainLink(): KernelLink {
    const broker = this.core.broker;
    return {
      connect: async (pid, name, timeoutMs) => this.grant(pid, await broker.connectByName(pid, name, true, timeoutMs)),
      lookup: async (pid, name) => this.grant(pid, await broker.connectByName(pid, name, false)),
      connectSid: async (pid, sid) => this.grant(pid, await broker.connectSid(pid, sid)),
      disconnect: async (pid, cid) => broker.disconnect(pid, cid),
      disconnectWithToken: async (pid, name, token) => broker.disconnectWithToken(pid, name, token),
      trustedInitDone: async (pid) => broker.trustedInitDone(pid),
    };
  }

  /** A grant for code in this thread: the server itself (thread mode) or a channel to its worker. */
  private grant(pid: number, g: RawGrant): Grant {
    let route: Route | undefined;
    if (g.fresh)
      route =
        g.server.local ??
        new RemoteRoute(openChannel(this.core, g.server, pid), g.server.info, false, this.core.tuning);
    return { cid: g.cid, token: g.token, info: g.server.info, route };
  }
}

/** A module given as a URL, a URL string, or an absolute file path. */
function moduleHref(m: URL | string): string {
  if (m instanceof URL) return m.href;
  if (isAbsolute(m)) return pathToFileURL(m).href;
  try {
    return new URL(m).href;
  } catch {
    throw new IpcError(XousError.InvalidArgument, 'module must be a URL or an absolute path');
  }
}

function cloneInit(init: unknown): unknown {
  try {
    return structuredClone(init);
  } catch {
    throw new IpcError(XousError.InvalidArgument, 'init is not structured-cloneable');
  }
}

function startFailure(name: string, e: unknown): IpcError {
  if (e instanceof IpcError) return new IpcError(e.code, `process '${name}' failed to start: ${e.message}`);
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new IpcError(XousError.InternalError, `process '${name}' failed to start: ${what}`);
}
