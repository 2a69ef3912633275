// A connection (CID) from one process to one server, and the calls a process makes on it.
// The kernel's checks happen here, before anything is queued: the connection is open, the opcode exists and takes
// this kind (servers declare their tables at registration, so this model's kernel can refuse a bad message up
// front; the server checks again), memory is page-aligned. Every failure is a rejected promise with an IpcError.
import { checkMemory, type PageBuffer } from './buffer.ts';
import { errorName, INVALID_OPCODE, IpcError, WRONG_KIND, XousError } from './errors.ts';
import { kindBit, kindName, MessageKind, toWords, type Words } from './message.ts';
import type { Token } from './names.ts';
import type { Route, ServerInfo } from './route.ts';
import type { CompiledOp, OpcodeTable, RequestOf, ResponseOf } from './server.ts';
import { nowMs, type TraceRecord } from './trace.ts';

export interface SendOptions {
  /** try_send: fail with ServerQueueFull instead of waiting when the server's queue is full. */
  try?: boolean;
}

/** Where a process's connections record trace entries (the kernel's Trace, or a worker's pipe to it). */
export interface TraceSink {
  readonly enabled: boolean;
  readonly epoch: number;
  record(e: TraceRecord): void;
}

/** The calling side of a connection needs to know who it is and where to trace. */
export interface Caller {
  readonly pid: number;
  readonly name: string;
  readonly traceSink: TraceSink | undefined;
  disconnect(conn: Connection): Promise<void>;
}

type OpKey<T> = keyof T & number;

export class Connection<T extends OpcodeTable = OpcodeTable> {
  /** Closed by disconnect() or by the server's end; every later call fails with ServerNotFound. */
  closed = false;

  constructor(
    /** Connection ID in the calling process (2..33; 0 and 1 are reserved, as in Xous). */
    readonly cid: number,
    readonly info: ServerInfo,
    /** Disconnect token from the name server (named servers only). */
    readonly token: Token | undefined,
    /** @internal */ readonly route: Route,
    /** @internal */ readonly caller: Caller,
  ) {}

  /** Server name (`anon:…` for an anonymous server). */
  get server(): string {
    return this.info.name;
  }

  scalar(op: OpKey<T>, args?: readonly number[], opts?: SendOptions): Promise<void> {
    const bad = this.check(op, MessageKind.Scalar);
    if (bad !== undefined) return this.refuse(bad, MessageKind.Scalar, op, 0);
    const words = toWords(args);
    if (this.caller.traceSink?.enabled) {
      return this.traced(MessageKind.Scalar, op, 0, words, undefined, () =>
        this.route.scalar(this.caller.pid, op, words, opts?.try === true),
      );
    }
    return this.route.scalar(this.caller.pid, op, words, opts?.try === true);
  }

  blockingScalar(op: OpKey<T>, args?: readonly number[], opts?: SendOptions): Promise<Words> {
    const bad = this.check(op, MessageKind.BlockingScalar);
    if (bad !== undefined) return this.refuse(bad, MessageKind.BlockingScalar, op, 0);
    const words = toWords(args);
    if (this.caller.traceSink?.enabled) {
      return this.traced(MessageKind.BlockingScalar, op, 0, words, undefined, () =>
        this.route.blockingScalar(this.caller.pid, op, words, opts?.try === true),
      );
    }
    return this.route.blockingScalar(this.caller.pid, op, words, opts?.try === true);
  }

  /** Lend `buf` read-only; resolves when the server has dropped it. The server cannot change your memory. */
  borrow(op: OpKey<T>, buf: PageBuffer, opts?: SendOptions): Promise<void> {
    return this.lend(MessageKind.Borrow, op, buf, opts, undefined);
  }

  /** Lend `buf` writable; resolves with the same buffer, holding the server's writes and its offset/valid. */
  mutableBorrow(op: OpKey<T>, buf: PageBuffer, opts?: SendOptions): Promise<PageBuffer> {
    return this.lend(MessageKind.MutableBorrow, op, buf, opts, undefined).then(() => buf);
  }

  /** Give `buf` to the server: its ArrayBuffer is detached here as soon as the message is accepted. */
  move(op: OpKey<T>, buf: PageBuffer, opts?: SendOptions): Promise<void> {
    const bad = this.check(op, MessageKind.Move) ?? checkMemory(MessageKind.Move, buf);
    if (bad !== undefined) return this.refuse(bad, MessageKind.Move, op, buf?.bytes?.byteLength ?? 0);
    if (this.caller.traceSink?.enabled) {
      const view = this.requestView(op, buf);
      return this.traced(MessageKind.Move, op, buf.bytes.length, undefined, view, () =>
        this.route.move(this.caller.pid, op, buf, opts?.try === true),
      );
    }
    return this.route.move(this.caller.pid, op, buf, opts?.try === true);
  }

  /**
   * Send a structured value with the opcode's codecs: encode -> MutableBorrow (or Borrow, or Move, whichever the
   * opcode takes, in that order of preference) -> decode the response. The buffer is sized for the larger of the
   * request and the response's maximum encoding.
   */
  request<K extends OpKey<T>>(op: K, value: RequestOf<T[K]>, opts?: SendOptions): Promise<ResponseOf<T[K]>> {
    const spec = this.info.ops.get(op);
    if (spec === undefined)
      return this.refuse(this.check(op, MessageKind.MutableBorrow)!, MessageKind.MutableBorrow, op, 0);
    const kind = preferredKind(spec);
    if (spec.request === undefined || kind === undefined) {
      return Promise.reject(
        new IpcError(XousError.InvalidArgument, `${spec.name} has no request codec or takes no memory`),
      );
    }
    let buf: PageBuffer;
    try {
      buf = spec.request.encode(value, kind === MessageKind.MutableBorrow && spec.response ? spec.response.maxSize : 0);
    } catch (e) {
      return Promise.reject(e);
    }
    if (kind === MessageKind.Move) return this.move(op, buf, opts) as Promise<ResponseOf<T[K]>>;
    const view = this.caller.traceSink?.enabled ? spec.request.view(value) : undefined;
    const done = this.lend(kind, op, buf, opts, view).then(() => {
      if (kind !== MessageKind.MutableBorrow || spec.response === undefined) return undefined as ResponseOf<T[K]>;
      return spec.response.decode(buf) as ResponseOf<T[K]>;
    });
    if (!spec.wipe) return done;
    return done.finally(() => buf.bytes.fill(0));
  }

  /** Give the connection back: frees the CID slot, and presents the disconnect token to the name server. */
  disconnect(): Promise<void> {
    return this.caller.disconnect(this as Connection);
  }

  private lend(
    kind: MessageKind,
    op: number,
    buf: PageBuffer,
    opts: SendOptions | undefined,
    view: unknown,
  ): Promise<void> {
    const bad = this.check(op, kind) ?? checkMemory(kind, buf);
    if (bad !== undefined) return this.refuse(bad, kind, op, buf?.bytes?.byteLength ?? 0);
    const mutable = kind === MessageKind.MutableBorrow;
    if (this.caller.traceSink?.enabled) {
      return this.traced(
        kind,
        op,
        buf.bytes.length,
        undefined,
        view ?? this.requestView(op, buf),
        () => this.route.lend(this.caller.pid, mutable, op, buf, opts?.try === true),
        mutable ? () => this.responseView(op, buf) : undefined,
      );
    }
    return this.route.lend(this.caller.pid, mutable, op, buf, opts?.try === true);
  }

  private check(op: number, kind: MessageKind): IpcError | undefined {
    if (this.closed)
      return new IpcError(XousError.ServerNotFound, `connection ${this.cid} to '${this.info.name}' is closed`);
    const spec = this.info.ops.get(op);
    if (spec === undefined) return new IpcError(INVALID_OPCODE, `'${this.info.name}' has no opcode ${op}`);
    if ((spec.mask & kindBit(kind)) === 0)
      return new IpcError(WRONG_KIND, `'${this.info.name}' ${spec.name} does not take ${kindName(kind)}`);
    return undefined;
  }

  private refuse(err: IpcError, kind: MessageKind, op: number, bytes: number): Promise<never> {
    if (this.caller.traceSink?.enabled)
      this.emit(kind, op, bytes, nowMs(), err, undefined, undefined, undefined, undefined);
    return Promise.reject(err);
  }

  private requestView(op: number, buf: PageBuffer): unknown {
    const codec = this.info.ops.get(op)?.request;
    if (codec === undefined) return undefined;
    try {
      return codec.view(codec.decode(buf));
    } catch {
      return '<undecodable>';
    }
  }

  private responseView(op: number, buf: PageBuffer): unknown {
    const codec = this.info.ops.get(op)?.response;
    if (codec === undefined) return undefined;
    try {
      return codec.view(codec.decode(buf));
    } catch {
      return '<undecodable>';
    }
  }

  private traced<R>(
    kind: MessageKind,
    op: number,
    bytes: number,
    args: Words | undefined,
    reqView: unknown,
    run: () => Promise<R>,
    respView?: () => unknown,
  ): Promise<R> {
    const t0 = nowMs();
    return run().then(
      (r) => {
        this.emit(
          kind,
          op,
          bytes,
          t0,
          undefined,
          args,
          Array.isArray(r) ? (r as unknown as Words) : undefined,
          reqView,
          respView?.(),
        );
        return r;
      },
      (e: unknown) => {
        this.emit(kind, op, bytes, t0, e, args, undefined, reqView, undefined);
        throw e;
      },
    );
  }

  private emit(
    kind: MessageKind,
    op: number,
    bytes: number,
    t0: number,
    err: unknown,
    args: Words | undefined,
    reply: Words | undefined,
    request: unknown,
    response: unknown,
  ): void {
    const sink = this.caller.traceSink!;
    const spec: CompiledOp | undefined = this.info.ops.get(op);
    const code = err === undefined ? 0 : err instanceof IpcError ? err.code : XousError.InternalError;
    const nonBlocking = kind === MessageKind.Scalar || kind === MessageKind.Move;
    sink.record({
      t: t0 - sink.epoch,
      from: this.caller.name,
      pid: this.caller.pid,
      to: this.info.name,
      host: this.info.host,
      toPid: this.info.pid,
      op: spec?.name ?? `#${op}`,
      opcode: op,
      kind: kindName(kind),
      bytes,
      result: code === 0 ? (nonBlocking ? 'sent' : 'ok') : errorName(code),
      code,
      latencyUs: (nowMs() - t0) * 1000,
      ...(spec?.publicArgs && args ? { args: [...args] } : {}),
      ...(spec?.publicArgs && reply ? { reply: [...reply] } : {}),
      ...(request !== undefined ? { request } : {}),
      ...(response !== undefined ? { response } : {}),
    });
  }
}

function preferredKind(spec: CompiledOp): MessageKind | undefined {
  for (const k of [MessageKind.MutableBorrow, MessageKind.Borrow, MessageKind.Move])
    if (spec.mask & kindBit(k)) return k;
  return undefined;
}
