// What a server is: an opcode table and a handler. The dispatcher here is the receive loop's body, shared by both
// execution modes: check the opcode and kind, decode the request, run the handler, turn whatever happens into an
// outcome for the caller. A bad message fails its caller; the server goes on serving.
import type { PageBuffer } from './buffer.ts';
import { Codec, codecFromSchema, type Schema } from './codec.ts';
import { codeOf, INVALID_OPCODE, IpcError, WRONG_KIND, XousError } from './errors.ts';
import { kindBit, kindName, MessageKind, toWords, type Words } from './message.ts';

// biome-ignore lint/suspicious/noExplicitAny: a table of opcodes mixes payload types; each entry is typed where it is declared.
export interface OpcodeSpec<Req = any, Resp = any> {
  name: string;
  /** The message kinds this opcode accepts; anything else fails the caller (WRONG_KIND). */
  kinds: readonly MessageKind[];
  /** Payload layout of the request buffer (Borrow, MutableBorrow, Move): decoded and validated before the handler. */
  request?: Codec<Req>;
  /** Layout the server writes back into a MutableBorrow buffer with `msg.respond(value)`. */
  response?: Codec<Resp>;
  /** Show scalar args and reply words in traces. Off by default: scalars can carry secrets too. */
  publicArgs?: boolean;
  /**
   * The memory of this opcode's messages carries secrets: the kernel zero-fills every buffer it used to carry it
   * once the server is done with the message (its staging copy or shared area after a lend is answered, a Move's
   * buffer after its handler, the pages `request()` encoded into after the response is decoded).
   */
  wipe?: boolean;
}

export type OpcodeTable = { readonly [op: number]: OpcodeSpec };

export type RequestOf<S> = S extends { request: Codec<infer R> } ? R : undefined;
export type ResponseOf<S> = S extends { response: Codec<infer R> } ? R : undefined;

/** Words to reply to a BlockingScalar (1 to 4 of them; missing ones are 0), or nothing. */
export type HandlerResult = readonly number[] | void;

/** A received message, typed per opcode when the table is known: `switch (msg.opcode)` narrows `value`. */
// (0.5 is a key only of an index signature: numeric enums accept `number`, so `number extends keyof T` cannot tell.)
export type IncomingOf<T extends OpcodeTable> = 0.5 extends keyof T
  ? Incoming
  : { [K in keyof T & number]: Incoming<K, RequestOf<T[K]>, ResponseOf<T[K]>> }[keyof T & number];

export interface ServerSpec<T extends OpcodeTable = OpcodeTable> {
  /** Registered with the name server; absent = anonymous (reach it by SID). At most 63 UTF-8 bytes. */
  name?: string;
  /** Connections the name server brokers before it refuses more (xous-names TOFU). */
  connLimit?: number;
  opcodes: T;
  handle(msg: IncomingOf<T>): HandlerResult | Promise<HandlerResult>;
  /** Sees what a handler threw (the caller only gets a code). For logging inside the server's own process. */
  onError?(error: unknown, msg: Incoming): void;
}

/** What crosses to another thread of a server's table: plain data. */
export interface OpcodeMeta {
  op: number;
  name: string;
  mask: number;
  request?: { schema: Schema; public: boolean };
  response?: { schema: Schema; public: boolean };
  publicArgs: boolean;
  wipe: boolean;
}

export interface CompiledOp {
  op: number;
  name: string;
  mask: number;
  request?: Codec;
  response?: Codec;
  publicArgs: boolean;
  wipe: boolean;
}

export type OpTable = ReadonlyMap<number, CompiledOp>;

export function describeOpcodes(table: OpcodeTable): OpcodeMeta[] {
  const out: OpcodeMeta[] = [];
  for (const key of Object.keys(table)) {
    const op = Number(key);
    const spec = table[op];
    if (!Number.isInteger(op) || op < 0 || op > 0xffffffff)
      throw new IpcError(XousError.InvalidArgument, `opcode '${key}' is not a u32`);
    if (typeof spec?.name !== 'string' || !Array.isArray(spec.kinds) || spec.kinds.length === 0) {
      throw new IpcError(XousError.InvalidArgument, `opcode ${op}: needs a name and at least one kind`);
    }
    let mask = 0;
    for (const k of spec.kinds) {
      if (MessageKind[k] === undefined)
        throw new IpcError(XousError.InvalidArgument, `opcode ${op}: unknown kind ${k}`);
      mask |= kindBit(k);
    }
    if (spec.response && mask !== kindBit(MessageKind.MutableBorrow)) {
      throw new IpcError(XousError.InvalidArgument, `opcode ${op}: a response codec needs kinds [MutableBorrow] only`);
    }
    out.push({
      op,
      name: spec.name,
      mask,
      request: spec.request && { schema: spec.request.schema, public: spec.request.rootPublic },
      response: spec.response && { schema: spec.response.schema, public: spec.response.rootPublic },
      publicArgs: spec.publicArgs === true,
      wipe: spec.wipe === true,
    });
  }
  return out;
}

/** Compile a table: from the spec's own codecs where present (same process), else from shipped schemas. */
export function compileOpcodes(meta: readonly OpcodeMeta[], local?: OpcodeTable): Map<number, CompiledOp> {
  const ops = new Map<number, CompiledOp>();
  for (const m of meta) {
    const spec = local?.[m.op];
    ops.set(m.op, {
      op: m.op,
      name: m.name,
      mask: m.mask,
      request: spec?.request ?? (m.request && remoteCodec(m.request)),
      response: spec?.response ?? (m.response && remoteCodec(m.response)),
      publicArgs: m.publicArgs,
      wipe: m.wipe,
    });
  }
  return ops;
}

function remoteCodec(m: { schema: Schema; public: boolean }): Codec {
  return m.public ? new Codec(m.schema, true) : codecFromSchema(m.schema);
}

export function opName(ops: OpTable, op: number): string {
  return ops.get(op)?.name ?? `#${op}`;
}

/** Outcome of one message: reply words (BlockingScalar), undefined (done; memory returned), or the caller's error. */
export type Outcome = Words | undefined | IpcError;
export const DEFERRED: unique symbol = Symbol('deferred');
export const NO_EARLY: unique symbol = Symbol('no-early');
export type DispatchResult = Outcome | typeof DEFERRED;

/** The runtime that delivered a message, told when a deferred reply arrives. */
export interface ReplySink {
  settleDeferred(msg: Incoming, outcome: Outcome): void;
}

/** A reply kept for later (`msg.defer()`): the server goes on receiving while this caller waits. */
export class Responder {
  private done = false;
  constructor(private readonly msg: Incoming) {}

  /** Answer: reply words for a BlockingScalar; for a lend, the memory (and its offset/valid) goes back. */
  reply(words?: readonly number[]): void {
    if (this.done) return;
    this.done = true;
    const m = this.msg;
    const outcome: Outcome =
      m.kind !== MessageKind.BlockingScalar
        ? undefined
        : words
          ? toWords(words)
          : new IpcError(XousError.InternalError, 'deferred reply without words');
    m._sink.settleDeferred(m, outcome);
  }

  fail(code: XousError): void {
    if (this.done) return;
    this.done = true;
    this.msg._sink.settleDeferred(this.msg, new IpcError(code, `${this.msg.name} failed by its server`));
  }
}

export class Incoming<Op extends number = number, Req = unknown, Resp = unknown> {
  /** The decoded request, when the opcode declares a request codec and the message carries memory. */
  value: Req = undefined as Req;
  /** @internal */ _op: CompiledOp | undefined = undefined;
  /** @internal */ _deferred = false;
  /** @internal */ _settled = false;
  /** @internal the handler is still running (a Responder answer is held until it returns) */ _running = false;
  /** @internal */ _early: Outcome | typeof NO_EARLY = NO_EARLY;
  /** @internal runtime state of this message (caller continuation, staging, slot) */ _ctx: unknown = undefined;

  constructor(
    readonly kind: MessageKind,
    readonly opcode: Op,
    /** PID of the sending process. */
    readonly sender: number,
    /** The scalar words (zeros for memory messages). */
    readonly args: Words,
    /** The memory of a Borrow (a private copy: writes never reach the caller), MutableBorrow or Move. */
    readonly buf: PageBuffer | undefined,
    /** @internal */ readonly _sink: ReplySink,
  ) {}

  get name(): string {
    return this._op?.name ?? `#${this.opcode}`;
  }

  /** Encode `value` with the opcode's response codec into the lent buffer (sets offset = bytes used). */
  respond(value: Resp): void {
    const codec = this._op?.response;
    if (!codec || this.kind !== MessageKind.MutableBorrow || !this.buf) {
      throw new IpcError(XousError.InvalidArgument, `${this.name}: no response codec or no writable buffer`);
    }
    codec.encodeInto(value, this.buf);
  }

  /** Keep this message and answer later through the Responder; the server receives its next message meanwhile. */
  defer(): Responder {
    this._deferred = true;
    return new Responder(this as Incoming);
  }
}

export interface ServerCore {
  readonly name: string;
  readonly ops: OpTable;
  readonly spec: ServerSpec<OpcodeTable>;
}

/**
 * Run one message through a server. Synchronous handlers give a synchronous outcome (no microtask is spent);
 * async ones give a promise. Never throws.
 */
export function dispatch(core: ServerCore, msg: Incoming): DispatchResult | Promise<DispatchResult> {
  const op = core.ops.get(msg.opcode);
  if (op === undefined) return new IpcError(INVALID_OPCODE, `'${core.name}' has no opcode ${msg.opcode}`);
  msg._op = op;
  if ((op.mask & kindBit(msg.kind)) === 0) {
    return new IpcError(WRONG_KIND, `'${core.name}' ${op.name} does not take ${kindName(msg.kind)}`);
  }
  if (op.request !== undefined && msg.buf !== undefined) {
    try {
      msg.value = op.request.decode(msg.buf);
    } catch (e) {
      return e instanceof IpcError ? e : new IpcError(XousError.SerializationError, `${op.name}: undecodable request`);
    }
  }
  let r: HandlerResult | Promise<HandlerResult>;
  try {
    r = core.spec.handle(msg as never);
  } catch (e) {
    return failure(core, msg, e);
  }
  if (r !== null && typeof r === 'object' && typeof (r as Promise<HandlerResult>).then === 'function') {
    return (r as Promise<HandlerResult>).then(
      (v) => finish(msg, v),
      (e) => failure(core, msg, e),
    );
  }
  return finish(msg, r as HandlerResult);
}

function finish(msg: Incoming, r: HandlerResult): DispatchResult {
  if (msg._deferred) return DEFERRED;
  if (msg.kind !== MessageKind.BlockingScalar) return undefined;
  if (!Array.isArray(r)) return new IpcError(XousError.InternalError, `server dropped ${msg.name} without replying`);
  return toWords(r);
}

function failure(core: ServerCore, msg: Incoming, e: unknown): IpcError {
  try {
    core.spec.onError?.(e, msg);
  } catch {
    // a logging hook must not take the server down
  }
  // A thrown error's own text stays in the server: it may quote a secret. The caller gets the code and the place.
  if (msg._deferred) msg._deferred = false;
  return new IpcError(codeOf(e), `from '${core.name}' ${msg.name}`);
}
