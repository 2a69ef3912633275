// A server running in the caller's thread (thread mode). Delivery is deterministic: an idle server handles a
// message inside send (no microtask is spent on a synchronous handler); a busy one (awaiting inside its handler)
// queues up to QUEUE_DEPTH messages, and further senders wait (or fail with try). One message at a time, in order,
// like a Xous server thread looping on receive_message.
import { clampAdvisory, type PageBuffer } from './buffer.ts';
import { IpcError } from './errors.ts';
import { QUEUE_DEPTH } from './limits.ts';
import { MessageKind, ZERO_WORDS, type Words } from './message.ts';
import { gone, queueFull, RESOLVED, terminated, transferOwnership, type Route, type ServerInfo } from './route.ts';
import {
  DEFERRED,
  dispatch,
  Incoming,
  NO_EARLY,
  type DispatchResult,
  type Outcome,
  type ReplySink,
  type ServerCore,
} from './server.ts';

/** Per-message state of a message that did not complete inside send. */
interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  /** The caller's buffer of a lend (the server works on a staging copy). */
  callerBuf: PageBuffer | undefined;
  /** A waiting sender's non-blocking message: resolve on admission to the queue, not on completion. */
  admitOnly: boolean;
}

const PENDING = Symbol('pending');

export class LocalServer implements Route, ReplySink {
  dead = false;
  private busy = false;
  private current: Incoming | undefined;
  private readonly queue: Incoming[] = [];
  private readonly waiting: Incoming[] = [];
  private readonly deferred = new Set<Incoming>();
  private readonly staging = new Map<number, Uint8Array[]>();
  private draining = false;

  constructor(
    readonly core: ServerCore,
    readonly info: ServerInfo,
    /** Told about a Scalar or Move whose handling failed (no caller to tell): the kernel traces it. */
    private readonly onDropped: (msg: Incoming, err: IpcError) => void,
  ) {}

  scalar(sender: number, op: number, args: Words, tryOnly: boolean): Promise<void> {
    if (this.dead) return gone(this.info.name);
    return this.submit(
      new Incoming(MessageKind.Scalar, op, sender, args, undefined, this),
      tryOnly,
      undefined,
    ) as Promise<void>;
  }

  blockingScalar(sender: number, op: number, args: Words, tryOnly: boolean): Promise<Words> {
    if (this.dead) return gone(this.info.name);
    return this.submit(
      new Incoming(MessageKind.BlockingScalar, op, sender, args, undefined, this),
      tryOnly,
      undefined,
    ) as Promise<Words>;
  }

  lend(sender: number, mutable: boolean, op: number, buf: PageBuffer, tryOnly: boolean): Promise<void> {
    if (this.dead) return gone(this.info.name);
    // The server works on a staging copy: a Borrow can never write the caller's memory, and a MutableBorrow's
    // writes reach the caller only when the server returns the memory.
    const stage = this.stage(buf.bytes);
    const kind = mutable ? MessageKind.MutableBorrow : MessageKind.Borrow;
    const msg = new Incoming(
      kind,
      op,
      sender,
      ZERO_WORDS,
      { bytes: stage, offset: buf.offset, valid: buf.valid },
      this,
    );
    return this.submit(msg, tryOnly, buf) as Promise<void>;
  }

  move(sender: number, op: number, buf: PageBuffer, tryOnly: boolean): Promise<void> {
    if (this.dead) return gone(this.info.name);
    if (tryOnly && !this.hasRoom()) return Promise.reject(queueFull(this.info.name));
    const owned = new Uint8Array(transferOwnership(buf.bytes));
    const msg = new Incoming(
      MessageKind.Move,
      op,
      sender,
      ZERO_WORDS,
      { bytes: owned, offset: buf.offset, valid: buf.valid },
      this,
    );
    return this.submit(msg, false, undefined) as Promise<void>;
  }

  private hasRoom(): boolean {
    return !this.busy || this.queue.length < QUEUE_DEPTH;
  }

  private submit(msg: Incoming, tryOnly: boolean, callerBuf: PageBuffer | undefined): Promise<unknown> {
    const blocking = msg.kind !== MessageKind.Scalar && msg.kind !== MessageKind.Move;
    if (!this.busy && this.queue.length === 0) {
      const r = this.start(msg);
      if (this.dead) {
        // The handler ended its own process (ctx.exit) before answering.
        return blocking ? Promise.reject(terminated(this.info.name)) : RESOLVED;
      }
      if (r === PENDING) {
        const p = blocking ? this.pend(msg, callerBuf, false) : RESOLVED;
        this.drain();
        return p;
      }
      const out = this.finish(msg, r, callerBuf) as Promise<unknown>;
      this.drain();
      return out;
    }
    if (this.queue.length < QUEUE_DEPTH) {
      this.queue.push(msg);
      return blocking ? this.pend(msg, callerBuf, false) : RESOLVED;
    }
    if (tryOnly) {
      this.unstage(msg, callerBuf);
      return Promise.reject(queueFull(this.info.name));
    }
    this.waiting.push(msg);
    return this.pend(msg, callerBuf, !blocking);
  }

  private pend(msg: Incoming, callerBuf: PageBuffer | undefined, admitOnly: boolean): Promise<unknown> {
    return new Promise((resolve, reject) => {
      msg._ctx = { resolve, reject, callerBuf, admitOnly } satisfies Pending;
    });
  }

  /** Run the handler. Returns the outcome if it completed synchronously, PENDING otherwise. */
  private start(msg: Incoming): Outcome | typeof PENDING {
    this.busy = true;
    this.current = msg;
    msg._running = true;
    let r = dispatch(this.core, msg);
    if (r instanceof Promise) {
      r.then((o) => this.afterAsync(msg, o));
      return PENDING;
    }
    msg._running = false;
    this.busy = false;
    this.current = undefined;
    if (msg._early !== NO_EARLY) r = msg._early;
    if (r === DEFERRED) {
      this.deferred.add(msg);
      return PENDING;
    }
    return r;
  }

  private afterAsync(msg: Incoming, o: DispatchResult): void {
    msg._running = false;
    if (this.current === msg) {
      this.busy = false;
      this.current = undefined;
    }
    if (msg._early !== NO_EARLY) o = msg._early;
    if (o === DEFERRED) {
      if (!msg._settled) this.deferred.add(msg);
    } else {
      this.complete(msg, o);
    }
    this.drain();
  }

  /** Settle a message whose caller got a promise from pend(). */
  private complete(msg: Incoming, o: Outcome): void {
    if (msg._settled) return;
    const p = msg._ctx as Pending | undefined;
    if (p === undefined) {
      // A Scalar or Move handled after send returned: nobody waits; a failure only goes to the trace.
      msg._settled = true;
      this.wipe(msg);
      if (o instanceof IpcError) this.onDropped(msg, o);
      return;
    }
    try {
      p.resolve(this.finish(msg, o, p.callerBuf));
    } catch (e) {
      p.reject(e);
    }
  }

  /** Turn an outcome into the caller's value (or throw its error), returning lent memory. */
  private finish(msg: Incoming, o: Outcome, callerBuf: PageBuffer | undefined): Promise<unknown> | unknown {
    const sync = (msg._ctx as Pending | undefined) === undefined;
    msg._settled = true;
    if (callerBuf !== undefined && msg.buf !== undefined) {
      if (msg.kind === MessageKind.MutableBorrow && !(o instanceof IpcError)) {
        callerBuf.bytes.set(msg.buf.bytes);
        callerBuf.offset = clampAdvisory(msg.buf.offset, callerBuf.bytes.length);
        callerBuf.valid = clampAdvisory(msg.buf.valid, callerBuf.bytes.length);
      }
      this.unstage(msg, callerBuf);
    } else if (msg.kind === MessageKind.Move) {
      this.wipe(msg);
    }
    if (o instanceof IpcError) {
      if (msg.kind === MessageKind.Scalar || msg.kind === MessageKind.Move) {
        this.onDropped(msg, o);
        return sync ? RESOLVED : undefined;
      }
      if (sync) return Promise.reject(o);
      throw o;
    }
    if (!sync) return o;
    return msg.kind === MessageKind.BlockingScalar ? Promise.resolve(o) : RESOLVED;
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (!this.busy && this.queue.length > 0 && !this.dead) {
        const msg = this.queue.shift()!;
        this.admitWaiting();
        const r = this.start(msg);
        if (r !== PENDING) this.complete(msg, r);
      }
    } finally {
      this.draining = false;
    }
  }

  private admitWaiting(): void {
    const next = this.waiting.shift();
    if (next === undefined) return;
    this.queue.push(next);
    const p = next._ctx as Pending;
    if (p.admitOnly) {
      next._ctx = undefined;
      p.resolve(undefined);
    }
  }

  settleDeferred(msg: Incoming, outcome: Outcome): void {
    if (msg._settled) return;
    if (msg._running) {
      // Answered before its handler returned: the answer is used when the handler does.
      msg._early = outcome;
      return;
    }
    this.deferred.delete(msg);
    this.complete(msg, outcome);
  }

  /** The server's process ended: every caller still waiting on it fails, later sends find no server. */
  kill(): void {
    if (this.dead) return;
    this.dead = true;
    const err = terminated(this.info.name);
    const all = [...(this.current ? [this.current] : []), ...this.queue, ...this.waiting, ...this.deferred];
    this.queue.length = 0;
    this.waiting.length = 0;
    this.deferred.clear();
    this.current = undefined;
    this.busy = false;
    for (const msg of all) {
      const p = msg._ctx as Pending | undefined;
      msg._settled = true;
      this.wipe(msg);
      if (p) p.reject(err);
    }
  }

  private stage(src: Uint8Array): Uint8Array {
    const pool = this.staging.get(src.length);
    const s = pool?.pop() ?? new Uint8Array(src.length);
    s.set(src);
    return s;
  }

  /** Give a lend's staging copy back to the pool (zeroed first if the opcode carries secrets). */
  private unstage(msg: Incoming, callerBuf: PageBuffer | undefined): void {
    if (callerBuf === undefined || msg.buf === undefined) return;
    this.wipe(msg);
    this.release(msg.buf.bytes);
  }

  /** Zero the memory a message of a `wipe` opcode carried: the server is done with it. */
  private wipe(msg: Incoming): void {
    if (msg.buf !== undefined && this.core.ops.get(msg.opcode)?.wipe === true) msg.buf.bytes.fill(0);
  }

  private release(bytes: Uint8Array): void {
    let pool = this.staging.get(bytes.length);
    if (pool === undefined) this.staging.set(bytes.length, (pool = []));
    if (pool.length < 4) pool.push(bytes);
  }
}
