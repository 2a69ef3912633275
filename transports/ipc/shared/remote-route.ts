// The calling side of a connection to a server in another thread. A message is a ring cell; a blocking call also
// takes a reply slot and waits on it: spin first (the answer of a busy server comes back in well under a
// microsecond's worth of spinning), then sleep with Atomics.waitAsync so this thread's event loop keeps running.
// Lent memory goes through the slot's shared area (one copy in, one copy out); a Move's ArrayBuffer is transferred
// over the connection's MessagePort, which detaches it here.
import type { MessagePort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { clampAdvisory, type PageBuffer } from '../buffer.ts';
import { IpcError, XousError } from '../errors.ts';
import { MessageKind, type Words } from '../message.ts';
import { gone, queueFull, RESOLVED, terminated, type Route, type ServerInfo } from '../route.ts';
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
  callerWaits,
  cellBase,
  claim,
  FULL,
  H_DEAD,
  H_SPACE,
  H_WAITERS,
  hasRoom,
  INTS_PER_LINE,
  P_SLEEPING,
  publish,
  ringBell,
  S_CODE,
  S_OFFSET,
  S_SLEEP,
  S_STATE,
  S_VALID,
  S_W0,
  SLOTS_PER_CONNECTION,
  ST_DONE,
  ST_FREE,
  ST_PENDING,
  waitAsync,
} from './layout.ts';
import { SpinBudget } from './spin-budget.ts';

/** What the kernel hands a client for one connection to a server in a worker (structured-cloneable + the port). */
export interface ChannelInit {
  ring: SharedArrayBuffer;
  /** The server process's block (doorbell). */
  bell: SharedArrayBuffer;
  slots: SharedArrayBuffer;
  connId: number;
  port: MessagePort;
}

export interface SpinTuning {
  /** Longest spin for an answer from a server that was awake, in us. */
  spinUs: number;
  /** Longest spin when the server was asleep at send: a wake-up takes tens of us, so waiting it out spinning is cheaper. */
  wakeSpinUs: number;
}

export class RemoteRoute implements Route {
  private readonly ring: Int32Array;
  private readonly bell: Int32Array;
  private readonly slots: Int32Array;
  private readonly port: MessagePort;
  private readonly connId: number;
  private readonly free: number[] = [];
  private readonly gens = new Int32Array(SLOTS_PER_CONNECTION);
  private readonly areas: (Uint8Array | undefined)[] = [];
  private readonly areaGens = new Int32Array(SLOTS_PER_CONNECTION);
  private readonly slotWaiters: (() => void)[] = [];
  private readonly budget = new SpinBudget();
  private moveIds = 0;

  constructor(
    init: ChannelInit,
    readonly info: ServerInfo,
    /** The server runs in this very thread: spinning would only delay it. */
    private readonly sameThread: boolean,
    private readonly tuning: SpinTuning,
  ) {
    this.ring = new Int32Array(init.ring);
    this.bell = new Int32Array(init.bell);
    this.slots = new Int32Array(init.slots);
    this.port = init.port;
    this.connId = init.connId;
    for (let i = SLOTS_PER_CONNECTION - 1; i >= 0; i--) this.free.push(i);
  }

  private get dead(): boolean {
    return Atomics.load(this.ring, H_DEAD) !== 0;
  }

  scalar(_sender: number, op: number, args: Words, tryOnly: boolean): Promise<void> {
    if (this.dead) return gone(this.info.name);
    const pos = claim(this.ring);
    if (pos === FULL) {
      if (tryOnly) return Promise.reject(queueFull(this.info.name));
      return this.waitRoom().then(() => this.scalar(_sender, op, args, false));
    }
    this.scalarArgs(this.cell(pos, -1, MessageKind.Scalar, op), args);
    publish(this.ring, pos);
    ringBell(this.bell);
    return RESOLVED;
  }

  blockingScalar(_sender: number, op: number, args: Words, tryOnly: boolean): Promise<Words> {
    if (this.dead) return gone(this.info.name);
    const s = this.free.pop();
    if (s === undefined) return this.waitSlot().then(() => this.blockingScalar(_sender, op, args, tryOnly));
    const pos = claim(this.ring);
    if (pos === FULL) {
      this.free.push(s);
      this.wakeSlotWaiter();
      if (tryOnly) return Promise.reject(queueFull(this.info.name));
      return this.waitRoom().then(() => this.blockingScalar(_sender, op, args, false));
    }
    const state = this.arm(s);
    const c = this.cell(pos, s, MessageKind.BlockingScalar, op);
    this.ring[c + C_STATE] = state;
    this.scalarArgs(c, args);
    return this.publishAndWait(pos, s, state, op, undefined, false) as Promise<Words>;
  }

  lend(_sender: number, mutable: boolean, op: number, buf: PageBuffer, tryOnly: boolean): Promise<void> {
    if (this.dead) return gone(this.info.name);
    const s = this.free.pop();
    if (s === undefined) return this.waitSlot().then(() => this.lend(_sender, mutable, op, buf, tryOnly));
    const len = buf.bytes.length;
    const area = this.area(s, len);
    const pos = claim(this.ring);
    if (pos === FULL) {
      this.free.push(s);
      this.wakeSlotWaiter();
      if (tryOnly) return Promise.reject(queueFull(this.info.name));
      return this.waitRoom().then(() => this.lend(_sender, mutable, op, buf, false));
    }
    area.set(buf.bytes);
    const state = this.arm(s);
    const c = this.cell(pos, s, mutable ? MessageKind.MutableBorrow : MessageKind.Borrow, op);
    this.ring[c + C_STATE] = state;
    this.memoryFields(c, len, buf, this.areaGens[s]);
    return this.publishAndWait(pos, s, state, op, buf, mutable) as Promise<void>;
  }

  move(_sender: number, op: number, buf: PageBuffer, tryOnly: boolean): Promise<void> {
    if (this.dead) return gone(this.info.name);
    const pos = claim(this.ring);
    if (pos === FULL) {
      if (tryOnly) return Promise.reject(queueFull(this.info.name));
      // Ownership passes at send, as in the thread mode: the memory is not ours while we wait for room.
      const ab = buf.bytes.buffer as ArrayBuffer;
      const owned = structuredClone(ab, { transfer: [ab] });
      return this.waitRoom().then(() =>
        this.move(_sender, op, { bytes: new Uint8Array(owned), offset: buf.offset, valid: buf.valid }, false),
      );
    }
    const id = ++this.moveIds;
    const ab = buf.bytes.buffer as ArrayBuffer;
    this.port.postMessage({ t: 'move', id, ab }, [ab]);
    this.memoryFields(this.cell(pos, -1, MessageKind.Move, op), ab.byteLength, buf, id);
    publish(this.ring, pos);
    ringBell(this.bell);
    return RESOLVED;
  }

  /** Fill the header of the claimed ring cell at `pos`; returns the cell's base index. */
  private cell(pos: number, slot: number, kind: MessageKind, op: number): number {
    const c = cellBase(pos);
    const r = this.ring;
    r[c + C_CONN] = this.connId;
    r[c + C_SLOT] = slot;
    r[c + C_KIND] = kind;
    r[c + C_OP] = op;
    return c;
  }

  private scalarArgs(c: number, args: Words): void {
    const r = this.ring;
    r[c + C_A0] = args[0];
    r[c + C_A0 + 1] = args[1];
    r[c + C_A0 + 2] = args[2];
    r[c + C_A0 + 3] = args[3];
    r[c + C_LEN] = 0;
  }

  private memoryFields(c: number, len: number, buf: PageBuffer, area: number): void {
    const r = this.ring;
    r[c + C_LEN] = len;
    r[c + C_OFFSET] = buf.offset;
    r[c + C_VALID] = buf.valid;
    r[c + C_AREA] = area;
  }

  /**
   * Publish a blocking message, wake the server if it sleeps, then spin and, failing that, sleep for the answer:
   * the reply words of a BlockingScalar (no `buf`), or the end of a lend of `buf`.
   */
  private publishAndWait(
    pos: number,
    s: number,
    state: number,
    op: number,
    buf: PageBuffer | undefined,
    mutable: boolean,
  ): Promise<Words | void> {
    publish(this.ring, pos);
    const asleep = Atomics.load(this.bell, P_SLEEPING) !== 0;
    if (asleep) ringBell(this.bell, true);
    if (this.spin(s, state, asleep ? this.tuning.wakeSpinUs : this.tuning.spinUs))
      return this.answer(s, op, buf, mutable);
    return this.sleep(s, state).then(() => this.answer(s, op, buf, mutable));
  }

  private answer(s: number, op: number, buf: PageBuffer | undefined, mutable: boolean): Promise<Words | void> {
    return buf === undefined ? this.words(s, op) : this.returned(s, mutable, buf, op);
  }

  /** Mark slot `s` pending under a fresh generation; returns the state word the server answers against. */
  private arm(s: number): number {
    const gen = (this.gens[s] = (this.gens[s] + 1) & 0x1fffffff);
    const state = (gen << 2) | ST_PENDING;
    const b = s * INTS_PER_LINE;
    this.slots[b + S_SLEEP] = 0;
    Atomics.store(this.slots, b + S_STATE, state);
    return state;
  }

  /** This slot's shared area, grown (and announced to the server over the port) when a lend needs more room. */
  private area(s: number, len: number): Uint8Array {
    const have = this.areas[s];
    if (have !== undefined && have.length >= len) return have;
    const area = new Uint8Array(new SharedArrayBuffer(len));
    this.areas[s] = area;
    const gen = ++this.areaGens[s];
    this.port.postMessage({ t: 'area', slot: s, gen, sab: area.buffer });
    return area;
  }

  /** Spin for the answer in slot `s`, for the budget's share of `fullUs`; true if it came. */
  private spin(s: number, state: number, fullUs: number): boolean {
    if (this.sameThread) return false;
    const i = s * INTS_PER_LINE + S_STATE;
    const slots = this.slots;
    const budget = this.budget;
    // Most answers from a busy server come within a few hundred ns: read the clock only once that is over.
    for (let n = 0; n < 64; n++) {
      if (Atomics.load(slots, i) !== state) {
        budget.hit();
        return true;
      }
    }
    budget.begin(fullUs);
    for (let n = 1; ; n++) {
      if (Atomics.load(slots, i) !== state) {
        budget.hit();
        return true;
      }
      if ((n & 15) === 0 && budget.over()) return false;
    }
  }

  private async sleep(s: number, state: number): Promise<void> {
    const b = s * INTS_PER_LINE;
    Atomics.store(this.slots, b + S_SLEEP, 1);
    callerWaits.sleeps++;
    activity.pending++;
    try {
      while (Atomics.load(this.slots, b + S_STATE) === state) {
        const w = waitAsync(this.slots, b + S_STATE, state);
        if (w.async) await w.value;
      }
    } finally {
      activity.pending--;
    }
    if (!this.sameThread) this.budget.slept();
  }

  /** Read a settled slot: the reply words, or the error it carries; frees the slot. */
  private words(s: number, op: number): Promise<Words> {
    const b = s * INTS_PER_LINE;
    const sl = this.slots;
    const code = sl[b + S_CODE];
    const st = Atomics.load(sl, b + S_STATE) & 3;
    const w: Words = [sl[b + S_W0] >>> 0, sl[b + S_W0 + 1] >>> 0, sl[b + S_W0 + 2] >>> 0, sl[b + S_W0 + 3] >>> 0];
    this.freeSlot(s);
    if (st !== ST_DONE) return Promise.reject(new IpcError(XousError.InternalError, 'reply slot in a bad state'));
    if (code !== 0) return Promise.reject(this.failure(code, op));
    return Promise.resolve(w);
  }

  private returned(s: number, mutable: boolean, buf: PageBuffer, op: number): Promise<void> {
    const b = s * INTS_PER_LINE;
    const sl = this.slots;
    const code = sl[b + S_CODE];
    const len = buf.bytes.length;
    const area = this.areas[s]!.subarray(0, len);
    if (code === 0 && mutable) {
      buf.bytes.set(area);
      buf.offset = clampAdvisory(sl[b + S_OFFSET], len);
      buf.valid = clampAdvisory(sl[b + S_VALID], len);
    }
    // The area is shared with the server: zeroing it here removes the server's view of a secret as well.
    if (this.info.ops.get(op)?.wipe === true) area.fill(0);
    this.freeSlot(s);
    return code === 0 ? RESOLVED : Promise.reject(this.failure(code, op));
  }

  private failure(code: number, op: number): IpcError {
    if (code === XousError.ProcessTerminated) return terminated(this.info.name);
    return new IpcError(code, `from '${this.info.name}' ${this.info.ops.get(op)?.name ?? `#${op}`}`);
  }

  private freeSlot(s: number): void {
    // Consumed: the server's receive loop watches for this to know the caller runs on another core (see ReceiveLoop).
    const i = s * INTS_PER_LINE + S_STATE;
    Atomics.store(this.slots, i, (Atomics.load(this.slots, i) & ~3) | ST_FREE);
    this.free.push(s);
    this.wakeSlotWaiter();
  }

  private wakeSlotWaiter(): void {
    this.slotWaiters.shift()?.();
  }

  /** More than SLOTS_PER_CONNECTION calls in flight on one connection: wait for one to finish. */
  private waitSlot(): Promise<void> {
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  /** A full queue: wait until the server takes a message (send waits, as Xous's does). */
  private waitRoom(): Promise<void> {
    // A server draining its queue makes room within microseconds: spin for it before sleeping.
    if (!this.sameThread) {
      const limit = performance.now() + this.tuning.spinUs / 1000;
      for (let n = 1; ; n++) {
        if (hasRoom(this.ring) || this.dead) return RESOLVED;
        if ((n & 15) === 0 && performance.now() > limit) break;
      }
    }
    return this.sleepForRoom();
  }

  private async sleepForRoom(): Promise<void> {
    const r = this.ring;
    Atomics.add(r, H_WAITERS, 1);
    activity.pending++;
    try {
      for (;;) {
        const seen = Atomics.load(r, H_SPACE);
        if (this.dead) throw terminated(this.info.name);
        if (hasRoom(r)) return;
        const w = waitAsync(r, H_SPACE, seen);
        if (w.async) await w.value;
      }
    } finally {
      Atomics.sub(r, H_WAITERS, 1);
      activity.pending--;
    }
  }
}
