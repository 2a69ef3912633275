// The kernel's side of worker mode: start a process in a worker, answer its requests to the kernel, open
// shared-memory channels to its servers, collect its trace entries, clean up when it ends.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { RawGrant } from '../broker.ts';
import type { KernelCore, ProcRec, ServerRec } from '../core.ts';
import { codeOf, IpcError, XousError } from '../errors.ts';
import type { OpcodeMeta } from '../server.ts';
import { newProcessBlock, newSlots, ringBell } from '../shared/layout.ts';
import type { ChannelInit } from '../shared/remote-route.ts';
import type { TraceRecord } from '../trace.ts';
import type { HostData, WireGrant, WireInfo } from './protocol.ts';

const BOOTSTRAP = new URL('./bootstrap.mjs', import.meta.url);
const HOST = new URL('./host.ts', import.meta.url);

interface RpcRequest {
  id: number;
  op: string;
  args: Record<string, unknown>;
}

/** Start `proc` in a worker; resolves when its main function has returned. */
export function spawnWorker(
  core: KernelCore,
  proc: ProcRec,
  url: string,
  exportName: string,
  init: unknown,
  onStartFailure: (e: unknown) => IpcError,
): Promise<void> {
  const block = newProcessBlock();
  const ctl = new MessageChannel();
  const trace = new MessageChannel();
  const data: HostData = {
    pid: proc.pid,
    name: proc.name,
    module: url,
    exportName,
    init,
    block,
    ctl: ctl.port2,
    trace: trace.port2,
    tracing: core.trace.enabled,
    epoch: core.trace.epoch,
    tuning: core.tuning,
  };
  let worker: Worker;
  try {
    worker = new Worker(BOOTSTRAP, { workerData: { host: HOST.href, data }, transferList: [ctl.port2, trace.port2] });
  } catch (e) {
    core.processGone(proc, 1);
    ctl.port1.close();
    trace.port1.close();
    return Promise.reject(
      e instanceof Error && e.name === 'DataCloneError'
        ? new IpcError(XousError.InvalidArgument, 'init is not structured-cloneable')
        : e,
    );
  }
  Object.assign(proc, { worker, block, ctl: ctl.port1, tracePort: trace.port1 });
  return new Promise<void>((resolve, reject) => {
    proc.started = { resolve, reject };
    worker.on('message', (m: { t: string; [k: string]: unknown }) => {
      if (m.t === 'rpc') {
        void answer(core, proc, m as unknown as RpcRequest);
      } else if (m.t === 'ready') {
        proc.started?.resolve();
        proc.started = undefined;
      } else if (m.t === 'failed') {
        proc.started?.reject(onStartFailure(new IpcError(m.code as number, String(m.message))));
        proc.started = undefined;
      }
    });
    worker.on('error', (e) => (proc.error = e));
    worker.on('exit', (code) => {
      drainTrace(core, proc);
      proc.ctl?.close();
      proc.tracePort?.close();
      proc.tracePort = undefined;
      core.processGone(proc, code);
    });
  });
}

/** Open a shared-memory channel from `pid` to a server in a worker, and tell the server's process about it. */
export function openChannel(core: KernelCore, rec: ServerRec, pid: number): ChannelInit {
  const host = core.procs.get(rec.info.pid)!;
  const slots = newSlots();
  const { port1, port2 } = new MessageChannel();
  const connId = rec.nextConn++;
  host.ctl!.postMessage({ t: 'conn', server: rec.index, connId, pid, slots, port: port2 }, [port2]);
  ringBell(new Int32Array(host.block!), true);
  rec.channels.push(new Int32Array(slots));
  return { ring: rec.ring!, bell: host.block!, slots, connId, port: port1 };
}

/** Move the trace entries a worker recorded into the kernel's trace. */
export function drainTrace(core: KernelCore, p: ProcRec): void {
  if (p.tracePort === undefined) return;
  for (let m = receiveMessageOnPort(p.tracePort); m !== undefined; m = receiveMessageOnPort(p.tracePort)) {
    const e = m.message as TraceRecord;
    if (e.from === '') e.from = core.procs.get(e.pid)?.name ?? `pid ${e.pid}`;
    core.trace.record(e);
  }
}

/** A grant for code in a worker: plain data, plus the channel's port to transfer. */
function wireGrant(core: KernelCore, pid: number, g: RawGrant): { value: WireGrant; transfer: MessagePort[] } {
  const info: WireInfo = {
    index: g.server.index,
    name: g.server.info.name,
    host: g.server.info.host,
    pid: g.server.info.pid,
    meta: g.server.meta,
  };
  const channel = g.fresh ? openChannel(core, g.server, pid) : undefined;
  return { value: { cid: g.cid, token: g.token, info, channel }, transfer: channel ? [channel.port] : [] };
}

async function answer(core: KernelCore, proc: ProcRec, req: RpcRequest): Promise<void> {
  const worker = proc.worker!;
  try {
    const { value, transfer } = await serve(core, proc, req);
    if (proc.alive) worker.postMessage({ t: 'rpc', id: req.id, ok: true, value }, transfer ?? []);
  } catch (e) {
    if (proc.alive)
      worker.postMessage({
        t: 'rpc',
        id: req.id,
        ok: false,
        code: codeOf(e),
        message: e instanceof Error ? e.message : '',
      });
  }
}

async function serve(
  core: KernelCore,
  proc: ProcRec,
  req: RpcRequest,
): Promise<{ value: unknown; transfer?: MessagePort[] }> {
  const a = req.args;
  const broker = core.broker;
  switch (req.op) {
    case 'register': {
      const rec = core.registerServer(proc, a.name, a.connLimit, a.meta as OpcodeMeta[]);
      return { value: { index: rec.index, sid: rec.sid.words, name: rec.info.name, ring: rec.ring } };
    }
    case 'connect':
      return wireGrant(
        core,
        proc.pid,
        await broker.connectByName(proc.pid, a.name, true, a.timeoutMs as number | undefined),
      );
    case 'lookup':
      return wireGrant(core, proc.pid, await broker.connectByName(proc.pid, a.name, false));
    case 'connectSid':
      return wireGrant(core, proc.pid, await broker.connectSid(proc.pid, a.sid as number[]));
    case 'disconnect':
      return { value: broker.disconnect(proc.pid, a.cid as number) };
    case 'disconnectWithToken':
      return { value: broker.disconnectWithToken(proc.pid, a.name, a.token as number[]) };
    case 'trustedInitDone':
      return { value: broker.trustedInitDone(proc.pid) };
    default:
      throw new IpcError(XousError.UnhandledSyscall, `unknown kernel request '${req.op}'`);
  }
}
