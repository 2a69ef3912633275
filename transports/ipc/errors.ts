// The kernel's one error vocabulary: the numbers of xous-rs `Error` (definitions.rs), so a code read here means
// what it means on a Precursor. Where the original has no error at all (it drops the message or hangs), this model
// picks the closest honest variant; docs/ipc.md lists each choice.

export enum XousError {
  NoError = 0,
  BadAlignment = 1,
  BadAddress = 2,
  OutOfMemory = 3,
  MemoryInUse = 4,
  InterruptNotFound = 5,
  InterruptInUse = 6,
  InvalidString = 7,
  ServerExists = 8,
  ServerNotFound = 9,
  ProcessNotFound = 10,
  ProcessNotChild = 11,
  ProcessTerminated = 12,
  Timeout = 13,
  InternalError = 14,
  ServerQueueFull = 15,
  ThreadNotAvailable = 16,
  UnhandledSyscall = 17,
  InvalidSyscall = 18,
  ShareViolation = 19,
  InvalidThread = 20,
  InvalidPID = 21,
  UnknownError = 22,
  AccessDenied = 23,
  UseBeforeInit = 24,
  DoubleFree = 25,
  DebugInProgress = 26,
  InvalidLimit = 27,
  NotFound = 28,
  /** "try_from can't map a number into a smaller number of options": what an unknown opcode is (the InvalidOpcode). */
  InvalidCoding = 29,
  HardwareError = 30,
  /** A buffer failed to serialize or deserialize: every codec validation failure except bad UTF-8. */
  SerializationError = 31,
  InvalidArgument = 32,
  NetworkError = 33,
  StorageError = 34,
  Unavailable = 35,
  ParseError = 36,
  InvalidCore = 37,
  VerificationError = 38,
  SecurityError = 39,
}

/** The code a caller gets for an opcode the server does not declare (the original has no such error; see docs). */
export const INVALID_OPCODE = XousError.InvalidCoding;
/** The code a caller gets for a message kind the opcode does not accept. */
export const WRONG_KIND = XousError.InvalidArgument;

export function errorName(code: number): string {
  return XousError[code] ?? `Error${code}`;
}

/**
 * A typed IPC failure. The message names the code and the place (server, opcode, field), never payload bytes or
 * values: errors end up in logs and traces, and payloads may be secrets.
 */
export class IpcError extends Error {
  readonly code: XousError;

  constructor(code: XousError, detail?: string) {
    super(detail ? `${errorName(code)} (${code}): ${detail}` : `${errorName(code)} (${code})`);
    this.name = 'IpcError';
    this.code = code;
  }
}

export function isIpcError(e: unknown, code?: XousError): e is IpcError {
  return e instanceof IpcError && (code === undefined || e.code === code);
}

/** Anything a handler throws becomes a code for the caller: its own IpcError code, else InternalError. */
export function codeOf(e: unknown): XousError {
  if (e instanceof IpcError && Number.isInteger(e.code) && e.code > 0) return e.code;
  return XousError.InternalError;
}
