// What the kernel's thread and a worker process say to each other. Hot-path traffic never goes here: messages
// between processes travel through shared memory (shared/); these are start-up, name-server and control messages.
import type { MessagePort } from 'node:worker_threads';
import type { Token } from '../names.ts';
import type { OpcodeMeta } from '../server.ts';
import type { ChannelInit, SpinTuning } from '../shared/remote-route.ts';

/** workerData.data of a process worker. */
export interface HostData {
  pid: number;
  name: string;
  module: string;
  exportName: string;
  init: unknown;
  /** The process block: doorbell + sleeping flag. */
  block: SharedArrayBuffer;
  /** Kernel -> process control messages, read synchronously by the receive loop (see ConnControl). */
  ctl: MessagePort;
  /** Process -> kernel trace entries, read synchronously by the kernel when the trace is read. */
  trace: MessagePort;
  tracing: boolean;
  epoch: number;
  tuning: SpinTuning & { serverSpinUs: number };
}

/** A server as a client in a worker learns it. */
export interface WireInfo {
  index: number;
  name: string;
  host: string;
  pid: number;
  meta: OpcodeMeta[];
}

export interface WireGrant {
  cid: number;
  token: Token | undefined;
  info: WireInfo;
  /** Absent when the process already holds this connection. */
  channel: ChannelInit | undefined;
}

/** Kernel -> server process: a client has connected to one of your servers. */
export interface ConnControl {
  t: 'conn';
  server: number;
  connId: number;
  pid: number;
  slots: SharedArrayBuffer;
  port: MessagePort;
}

export interface RegisterReply {
  index: number;
  sid: number[];
  name: string;
  ring: SharedArrayBuffer;
}
