// The Xous-style IPC kernel: the public API. See docs/ipc.md.
export { allocPages, bufferFrom, pagesFor, type PageBuffer } from './buffer.ts';
export {
  Codec,
  codec,
  codecFromSchema,
  t,
  type FieldOptions,
  type FieldSchema,
  type Infer,
  type Node,
  type Schema,
} from './codec.ts';
export { Connection, type SendOptions } from './connection.ts';
export { errorName, INVALID_OPCODE, IpcError, isIpcError, WRONG_KIND, XousError } from './errors.ts';
export {
  Kernel,
  type KernelOptions,
  type Mode,
  type ProcessHandle,
  type ServerStatus,
  type SpawnOptions,
} from './kernel.ts';
export { FIRST_CID, MAX_CONNECTIONS, MAX_NAME_BYTES, MAX_SERVERS, PAGE_SIZE, QUEUE_DEPTH } from './limits.ts';
export { kindName, MessageKind, toWords, type Words } from './message.ts';
export type { Token } from './names.ts';
export { ClientProcess, ProcessContext, type ConnectOptions, type ProcessMain, type ServerHandle } from './process.ts';
export type { ServerInfo } from './route.ts';
export {
  Incoming,
  Responder,
  type HandlerResult,
  type IncomingOf,
  type OpcodeSpec,
  type OpcodeTable,
  type RequestOf,
  type ResponseOf,
  type ServerSpec,
} from './server.ts';
export { Sid } from './sid.ts';
export { Trace, type TraceEntry } from './trace.ts';
