// A route is how a connection's messages reach its server: directly in this thread (LocalServer), or through
// shared memory to another thread (RemoteRoute). Connection does the checks; routes only deliver.
import type { PageBuffer } from './buffer.ts';
import { IpcError, XousError } from './errors.ts';
import type { Words } from './message.ts';
import type { OpTable } from './server.ts';

export interface Route {
  /** Queue a Scalar; resolves once queued (at once unless the queue is full and the send waits). */
  scalar(sender: number, op: number, args: Words, tryOnly: boolean): Promise<void>;
  blockingScalar(sender: number, op: number, args: Words, tryOnly: boolean): Promise<Words>;
  /** Borrow or MutableBorrow; a MutableBorrow's writes, offset and valid land in `buf` when it resolves. */
  lend(sender: number, mutable: boolean, op: number, buf: PageBuffer, tryOnly: boolean): Promise<void>;
  /** Ownership of `buf.bytes.buffer` passes: it is detached when this returns (unless it rejects at once). */
  move(sender: number, op: number, buf: PageBuffer, tryOnly: boolean): Promise<void>;
}

/** What a client knows about the server behind a connection. */
export interface ServerInfo {
  index: number;
  /** Registered name, or `anon:<first SID word>`. */
  name: string;
  /** Name and PID of the process that hosts it. */
  host: string;
  pid: number;
  ops: OpTable;
}

export const RESOLVED: Promise<void> = Promise.resolve();

export function gone(server: string): Promise<never> {
  return Promise.reject(new IpcError(XousError.ServerNotFound, `server '${server}' is gone`));
}

export function terminated(server: string): IpcError {
  return new IpcError(XousError.ProcessTerminated, `server '${server}' ended before replying`);
}

export function queueFull(server: string): IpcError {
  return new IpcError(XousError.ServerQueueFull, `queue of '${server}' is full`);
}

/** Detach `bytes.buffer` and hand back a new owner of the same contents (in-thread ownership transfer). */
export function transferOwnership(bytes: Uint8Array): ArrayBuffer {
  const ab = bytes.buffer as ArrayBuffer;
  return structuredClone(ab, { transfer: [ab] });
}
