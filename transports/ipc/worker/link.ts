// Kernel services for code inside a worker: each is a request to the kernel's thread, answered asynchronously.
import { parentPort } from 'node:worker_threads';
import { IpcError } from '../errors.ts';
import type { Grant, KernelLink } from '../process.ts';
import type { ServerInfo } from '../route.ts';
import { compileOpcodes } from '../server.ts';
import { activity } from '../shared/layout.ts';
import { RemoteRoute, type SpinTuning } from '../shared/remote-route.ts';
import type { WireGrant } from './protocol.ts';

type Answer =
  | { t: 'rpc'; id: number; ok: true; value: unknown }
  | { t: 'rpc'; id: number; ok: false; code: number; message: string };

export class WorkerLink implements KernelLink {
  private seq = 0;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();

  constructor(
    private readonly pid: number,
    private readonly tuning: SpinTuning,
  ) {
    parentPort!.on('message', (m: Answer) => {
      if (m?.t !== 'rpc') return;
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      activity.pending--;
      if (m.ok) p.resolve(m.value);
      // The kernel's message names the code and the place; it never carries payloads.
      else p.reject(new IpcError(m.code, m.message.replace(/^\w+ \(\d+\): /, '')));
    });
  }

  /** Ask the kernel; `activity.pending` keeps the receive loop from blocking the event loop meanwhile. */
  call<T>(op: string, args: Record<string, unknown>): Promise<T> {
    const id = ++this.seq;
    activity.pending++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      parentPort!.postMessage({ t: 'rpc', id, op, args });
    });
  }

  async connect(_pid: number, name: string, timeoutMs: number | undefined): Promise<Grant> {
    return this.grant(await this.call<WireGrant>('connect', { name, timeoutMs }));
  }

  async lookup(_pid: number, name: string): Promise<Grant> {
    return this.grant(await this.call<WireGrant>('lookup', { name }));
  }

  async connectSid(_pid: number, sid: readonly number[]): Promise<Grant> {
    return this.grant(await this.call<WireGrant>('connectSid', { sid: [...sid] }));
  }

  async disconnect(_pid: number, cid: number): Promise<void> {
    await this.call('disconnect', { cid });
  }

  async disconnectWithToken(_pid: number, name: string, token: readonly number[]): Promise<void> {
    await this.call('disconnectWithToken', { name, token: [...token] });
  }

  trustedInitDone(): Promise<boolean> {
    return this.call<boolean>('trustedInitDone', {});
  }

  private grant(g: WireGrant): Grant {
    const w = g.info;
    const info: ServerInfo = { index: w.index, name: w.name, host: w.host, pid: w.pid, ops: compileOpcodes(w.meta) };
    const route = g.channel && new RemoteRoute(g.channel, info, w.pid === this.pid, this.tuning);
    return { cid: g.cid, token: g.token, info, route };
  }
}
