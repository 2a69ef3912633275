// A spawned process in thread mode: its module runs in the kernel's thread and its servers are LocalServers.
import type { KernelCore, ProcRec } from './core.ts';
import { IpcError, XousError } from './errors.ts';
import { ProcessContext, type KernelLink, type ServerHandle } from './process.ts';
import { describeOpcodes, type OpcodeTable, type ServerSpec } from './server.ts';

export class ThreadContext extends ProcessContext {
  constructor(
    private readonly core: KernelCore,
    private readonly proc: ProcRec,
    link: KernelLink,
  ) {
    super(proc.pid, proc.name, link, core.trace);
  }

  async registerServer<T extends OpcodeTable>(spec: ServerSpec<T>): Promise<ServerHandle> {
    const meta = describeOpcodes(spec.opcodes);
    if (typeof spec.handle !== 'function')
      throw new IpcError(XousError.InvalidArgument, 'a server needs a handle function');
    const rec = this.core.registerServer(
      this.proc,
      spec.name,
      spec.connLimit,
      meta,
      spec as unknown as ServerSpec<OpcodeTable>,
    );
    return { sid: rec.sid, name: spec.name };
  }

  exit(code = 0): void {
    this.core.processGone(this.proc, code);
  }
}
