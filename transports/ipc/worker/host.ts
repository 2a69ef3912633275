// The inside of a process worker: load the process module, give its main function a context, serve its servers.
import { parentPort, workerData } from 'node:worker_threads';
import type { TraceSink } from '../connection.ts';
import { codeOf, IpcError, XousError } from '../errors.ts';
import { loadMain, ProcessContext, type ServerHandle } from '../process.ts';
import { compileOpcodes, describeOpcodes, type OpcodeTable, type ServerSpec } from '../server.ts';
import { activity } from '../shared/layout.ts';
import { RingServer } from '../shared/ring-server.ts';
import { Sid } from '../sid.ts';
import type { TraceRecord } from '../trace.ts';
import { WorkerLink } from './link.ts';
import type { HostData, RegisterReply } from './protocol.ts';
import { ReceiveLoop } from './receive-loop.ts';

class WorkerContext extends ProcessContext {
  constructor(
    pid: number,
    name: string,
    private readonly kernel: WorkerLink,
    sink: TraceSink,
    private readonly loop: ReceiveLoop,
  ) {
    super(pid, name, kernel, sink);
  }

  async registerServer<T extends OpcodeTable>(spec: ServerSpec<T>): Promise<ServerHandle> {
    const meta = describeOpcodes(spec.opcodes);
    if (typeof spec.handle !== 'function')
      throw new IpcError(XousError.InvalidArgument, 'a server needs a handle function');
    const rep = await this.kernel.call<RegisterReply>('register', { name: spec.name, connLimit: spec.connLimit, meta });
    const core = {
      name: rep.name,
      ops: compileOpcodes(meta, spec.opcodes),
      spec: spec as unknown as ServerSpec<OpcodeTable>,
    };
    this.loop.add(rep.index, new RingServer(core, new Int32Array(rep.ring), this.loop));
    return { sid: new Sid(rep.sid), name: spec.name };
  }

  exit(code = 0): void {
    this.loop.stop();
    // Ends this worker thread only; the kernel sees the exit and fails whoever still waits on our servers.
    process.exit(code);
  }
}

const data = (workerData as { data: HostData }).data;
const sink: TraceSink = {
  enabled: data.tracing,
  epoch: data.epoch,
  record: (e: TraceRecord) => data.trace.postMessage(e),
};
const loop = new ReceiveLoop(new Int32Array(data.block), data.ctl, data.tuning.serverSpinUs, data, sink);
const link = new WorkerLink(data.pid, data.tuning);
const ctx = new WorkerContext(data.pid, data.name, link, sink, loop);

activity.pending++; // the main function runs: keep the event loop free for it
void loop.run();
try {
  const main = await loadMain(data.module, data.exportName);
  await main(ctx, data.init);
  parentPort!.postMessage({ t: 'ready' });
} catch (e) {
  const what = e instanceof IpcError ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  parentPort!.postMessage({ t: 'failed', code: codeOf(e), message: what });
  process.exit(1);
} finally {
  activity.pending--;
  loop.wake();
}
