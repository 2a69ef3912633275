// The receiving side of a server in a worker: takes messages off its ring one at a time (a busy server leaves them
// queued, so the queue depth stays the ring's), runs the shared dispatcher, and writes answers into the callers'
// reply slots. Lent memory is read and written in place in the slot's shared area: the caller copies a
// MutableBorrow's area back when it is answered without error, and never copies a Borrow's back, so a server cannot
// change a caller's memory through a Borrow.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { clampAdvisory, type PageBuffer } from '../buffer.ts';
import { IpcError, XousError } from '../errors.ts';
import { MessageKind, ZERO_WORDS, type Words } from '../message.ts';
import {
  DEFERRED,
  dispatch,
  Incoming,
  NO_EARLY,
  type DispatchResult,
  type Outcome,
  type ReplySink,
  type ServerCore,
} from '../server.ts';
import {
  activity,
  C_A0,
  C_AREA,
  C_CONN,
  C_KIND,
  C_LEN,
  C_OFFSET,
  C_OP,
  C_SLOT,
  C_STATE,
  C_VALID,
  cellBase,
  H_DEAD,
  H_SPACE,
  INTS_PER_LINE,
  ready,
  release,
  S_CODE,
  S_OFFSET,
  S_SLEEP,
  S_STATE,
  S_VALID,
  S_W0,
  ST_DONE,
} from './layout.ts';

/** One client connection as its server sees it. */
export interface ConnEnd {
  pid: number;
  slots: Int32Array;
  port: MessagePort;
  areas: (Uint8Array | undefined)[];
  areaGens: number[];
  moves: Map<number, ArrayBuffer>;
}

/** A message off a ring, carrying where its answer goes (fields, not a side object: one allocation per message). */
class RingIncoming extends Incoming {
  conn: ConnEnd | undefined = undefined;
  slot = -1;
  state = 0;
  /** Deferred: counted in activity.pending until answered (the answer will come from the event loop). */
  held = false;
}

export interface ServerHooks {
  /** Read pending kernel control messages (a connection we have not heard of yet may be among them). */
  drainControl(): void;
  /** A Scalar or Move failed in its handler: nobody waits for it, so only the trace hears. */
  dropped(msg: Incoming, err: IpcError, server: string): void;
  /** An async handler finished: the receive loop may have messages for this server waiting. */
  wake(): void;
  /** A caller's reply slot now holds `word` at `index`; the caller turns it to FREE once it has read it. */
  answered(slots: Int32Array, index: number, word: number): void;
}

export class RingServer implements ReplySink {
  private head = 0;
  private busy = false;
  readonly conns = new Map<number, ConnEnd>();

  constructor(
    readonly core: ServerCore,
    private readonly ring: Int32Array,
    private readonly hooks: ServerHooks,
  ) {}

  /** The process is ending: later sends find no server, and senders waiting for room give up. */
  markDead(): void {
    Atomics.store(this.ring, H_DEAD, 1);
    Atomics.add(this.ring, H_SPACE, 1);
    Atomics.notify(this.ring, H_SPACE);
  }

  /** A message is waiting and the server can take it. */
  hasWork(): boolean {
    return !this.busy && ready(this.ring, this.head);
  }

  /** Take and handle one message if there is one; true if it did. */
  poll(): boolean {
    if (this.busy || !ready(this.ring, this.head)) return false;
    this.take();
    return true;
  }

  private take(): void {
    const r = this.ring;
    const head = this.head;
    const c = cellBase(head);
    const connId = r[c + C_CONN];
    const slot = r[c + C_SLOT];
    const state = r[c + C_STATE];
    const kind = r[c + C_KIND] as MessageKind;
    const op = r[c + C_OP] >>> 0;
    let conn = this.conns.get(connId);
    if (conn === undefined) {
      this.hooks.drainControl();
      conn = this.conns.get(connId);
    }
    let args: Words = ZERO_WORDS;
    let buf: PageBuffer | undefined;
    let bad: IpcError | undefined;
    if (kind === MessageKind.Scalar || kind === MessageKind.BlockingScalar) {
      args = [r[c + C_A0] >>> 0, r[c + C_A0 + 1] >>> 0, r[c + C_A0 + 2] >>> 0, r[c + C_A0 + 3] >>> 0];
    } else if (conn !== undefined) {
      const len = r[c + C_LEN];
      const bytes =
        kind === MessageKind.Move ? this.moved(conn, r[c + C_AREA]) : this.area(conn, slot, r[c + C_AREA], len);
      if (bytes === undefined) bad = new IpcError(XousError.InternalError, 'lent memory went missing in transit');
      else buf = { bytes, offset: r[c + C_OFFSET], valid: r[c + C_VALID] };
    }
    release(r, head);
    this.head = (head + 1) | 0;
    const msg = new RingIncoming(kind, op, conn?.pid ?? -1, args, buf, this);
    msg.conn = conn;
    msg.slot = slot;
    msg.state = state;
    if (conn === undefined || bad !== undefined) {
      this.answer(msg, bad ?? new IpcError(XousError.InternalError, 'message from an unknown connection'));
      return;
    }
    this.run(msg);
  }

  private run(msg: RingIncoming): void {
    this.busy = true;
    msg._running = true;
    const r = dispatch(this.core, msg);
    if (r instanceof Promise) {
      activity.pending++;
      r.then((o) => this.afterAsync(msg, o));
      return;
    }
    msg._running = false;
    this.busy = false;
    this.after(msg, msg._early !== NO_EARLY ? msg._early : r);
  }

  private afterAsync(msg: RingIncoming, o: DispatchResult): void {
    activity.pending--;
    msg._running = false;
    this.busy = false;
    this.after(msg, msg._early !== NO_EARLY ? msg._early : o);
    this.hooks.wake();
  }

  private after(msg: RingIncoming, o: DispatchResult): void {
    if (o !== DEFERRED) return this.answer(msg, o);
    if (!msg._settled) {
      msg.held = true;
      activity.pending++;
    }
  }

  settleDeferred(msg: Incoming, outcome: Outcome): void {
    if (msg._settled) return;
    if (msg._running) {
      msg._early = outcome;
      return;
    }
    this.answer(msg as RingIncoming, outcome);
  }

  /** Write the outcome into the caller's reply slot, and wake the caller if it sleeps. */
  private answer(msg: RingIncoming, o: Outcome): void {
    if (msg._settled) return;
    msg._settled = true;
    if (msg.held) {
      msg.held = false;
      activity.pending--;
    }
    const { conn, slot, state } = msg;
    // A Move's memory is the server's, but a `wipe` opcode's is zeroed once its handler is done (lends are zeroed
    // by the caller, which copies the answer out of the shared area last).
    if (msg.kind === MessageKind.Move && msg.buf !== undefined && msg._op?.wipe === true) msg.buf.bytes.fill(0);
    if (slot < 0 || conn === undefined) {
      if (o instanceof IpcError && slot < 0) this.hooks.dropped(msg, o, this.core.name);
      return;
    }
    const sl = conn.slots;
    const b = slot * INTS_PER_LINE;
    if (o instanceof IpcError) {
      sl[b + S_CODE] = o.code;
    } else {
      sl[b + S_CODE] = 0;
      if (o !== undefined) {
        sl[b + S_W0] = o[0];
        sl[b + S_W0 + 1] = o[1];
        sl[b + S_W0 + 2] = o[2];
        sl[b + S_W0 + 3] = o[3];
      } else if (msg.kind === MessageKind.MutableBorrow && msg.buf) {
        const len = msg.buf.bytes.length;
        sl[b + S_OFFSET] = clampAdvisory(msg.buf.offset, len);
        sl[b + S_VALID] = clampAdvisory(msg.buf.valid, len);
      }
    }
    const done = (state & ~3) | ST_DONE;
    Atomics.store(sl, b + S_STATE, done);
    if (Atomics.load(sl, b + S_SLEEP) !== 0) Atomics.notify(sl, b + S_STATE);
    else this.hooks.answered(sl, b + S_STATE, done);
  }

  /** The slot's shared area at the generation the cell names (a newer one may still be on the port). */
  private area(conn: ConnEnd, slot: number, gen: number, len: number): Uint8Array | undefined {
    if (conn.areaGens[slot] !== gen) {
      for (let m = receiveMessageOnPort(conn.port); m !== undefined; m = receiveMessageOnPort(conn.port)) {
        absorb(conn, m.message as PortMessage);
        if (conn.areaGens[slot] === gen) break;
      }
    }
    const a = conn.areas[slot];
    return a !== undefined && conn.areaGens[slot] === gen && a.length >= len ? a.subarray(0, len) : undefined;
  }

  private moved(conn: ConnEnd, id: number): Uint8Array | undefined {
    for (let m; !conn.moves.has(id) && (m = receiveMessageOnPort(conn.port)) !== undefined; )
      absorb(conn, m.message as PortMessage);
    const ab = conn.moves.get(id);
    conn.moves.delete(id);
    return ab && new Uint8Array(ab);
  }
}

type PortMessage =
  | { t: 'area'; slot: number; gen: number; sab: SharedArrayBuffer }
  | { t: 'move'; id: number; ab: ArrayBuffer };

function absorb(conn: ConnEnd, m: PortMessage): void {
  if (m.t === 'area') {
    conn.areas[m.slot] = new Uint8Array(m.sab);
    conn.areaGens[m.slot] = m.gen;
  } else if (m.t === 'move') {
    conn.moves.set(m.id, m.ab);
  }
}
