// Shared-memory layouts of worker mode. Three kinds of block, all Int32Array over a SharedArrayBuffer:
//
// - process block (one per worker process): a doorbell the process's receive loop sleeps on, and a flag saying it
//   sleeps (senders only pay for Atomics.notify when someone is asleep).
// - server ring (one per server): a bounded multi-producer single-consumer queue (Vyukov's sequence-numbered cells).
//   Its capacity is the Xous queue depth, 128, so try_send's ServerQueueFull falls out of the ring being full.
// - reply slots (one block per connection): where a blocking call's answer lands. One slot per outstanding call; the
//   caller spins on the slot's state, then sleeps on it. Lent memory travels in a per-slot shared area.
//
// Each cell and each slot is 64 bytes (one cache line), so a round trip moves few lines between cores.
import { QUEUE_DEPTH } from '../limits.ts';

export const INTS_PER_LINE = 16;

// process block
export const P_BELL = 0;
export const P_SLEEPING = 1;
/** Times the receive loop went to sleep: each such sleep costs the next sender a thread wake-up (diagnostics). */
export const P_SLEEPS = 2;

// ring header: line 0 is the senders' (the tail they CAS on every send); line 1 is what the receiver reads on every
// take (senders waiting for room). Sharing one line would bounce it between cores twice per message.
export const H_TAIL = 0;
export const H_DEAD = 1;
export const H_WAITERS = INTS_PER_LINE;
export const H_SPACE = INTS_PER_LINE + 1;
const HEADER_LINES = 2;

// ring cell
export const C_SEQ = 0;
export const C_CONN = 1;
export const C_SLOT = 2;
export const C_STATE = 3;
export const C_KIND = 4;
export const C_OP = 5;
export const C_A0 = 6;
export const C_LEN = 10;
export const C_OFFSET = 11;
export const C_VALID = 12;
/** Area generation of a lend's slot, or the id of a Move's ArrayBuffer on the connection's port. */
export const C_AREA = 13;

// reply slot
export const S_STATE = 0;
export const S_SLEEP = 1;
export const S_CODE = 2;
export const S_W0 = 3;
export const S_OFFSET = 7;
export const S_VALID = 8;

export const SLOTS_PER_CONNECTION = 16;

/** Slot state word: generation << 2 | state. The generation keeps a late writer from settling a reused slot. */
export const ST_FREE = 0;
export const ST_PENDING = 1;
export const ST_DONE = 2;

/** claim() result when the ring is full (not an int32, so never a position). */
export const FULL = 2 ** 32;

export function newProcessBlock(): SharedArrayBuffer {
  return new SharedArrayBuffer(INTS_PER_LINE * 4);
}

export function newRing(): SharedArrayBuffer {
  const sab = new SharedArrayBuffer((HEADER_LINES + QUEUE_DEPTH) * INTS_PER_LINE * 4);
  const ring = new Int32Array(sab);
  for (let i = 0; i < QUEUE_DEPTH; i++) ring[cellBase(i) + C_SEQ] = i;
  return sab;
}

export function newSlots(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOTS_PER_CONNECTION * INTS_PER_LINE * 4);
}

export function cellBase(pos: number): number {
  return (HEADER_LINES + (pos & (QUEUE_DEPTH - 1))) * INTS_PER_LINE;
}

/** Reserve the next cell; returns its position, or FULL. Fill the cell, then publish(pos). */
export function claim(ring: Int32Array): number {
  for (;;) {
    const pos = Atomics.load(ring, H_TAIL);
    const seq = Atomics.load(ring, cellBase(pos) + C_SEQ);
    const dif = (seq - pos) | 0;
    if (dif === 0) {
      if (Atomics.compareExchange(ring, H_TAIL, pos, (pos + 1) | 0) === pos) return pos;
    } else if (dif < 0) {
      return FULL;
    }
  }
}

export function publish(ring: Int32Array, pos: number): void {
  Atomics.store(ring, cellBase(pos) + C_SEQ, (pos + 1) | 0);
}

/** Is there room for one more message? (A hint: another sender may take it first.) */
export function hasRoom(ring: Int32Array): boolean {
  const pos = Atomics.load(ring, H_TAIL);
  return ((Atomics.load(ring, cellBase(pos) + C_SEQ) - pos) | 0) >= 0;
}

/** Consumer side: is the cell at `head` published? */
export function ready(ring: Int32Array, head: number): boolean {
  return Atomics.load(ring, cellBase(head) + C_SEQ) === ((head + 1) | 0);
}

/** Consumer side: give the cell at `head` back, and wake senders waiting for room. */
export function release(ring: Int32Array, head: number): void {
  Atomics.store(ring, cellBase(head) + C_SEQ, (head + QUEUE_DEPTH) | 0);
  if (Atomics.load(ring, H_WAITERS) > 0) {
    Atomics.add(ring, H_SPACE, 1);
    Atomics.notify(ring, H_SPACE);
  }
}

/** Ring a process's doorbell if its receive loop sleeps (or always, with force). */
export function ringBell(block: Int32Array, force = false): void {
  if (force || Atomics.load(block, P_SLEEPING) !== 0) {
    Atomics.add(block, P_BELL, 1);
    Atomics.notify(block, P_BELL);
  }
}

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };

/** Atomics.waitAsync (ES2024; in Node 20, not in the ES2022 lib typings). */
export const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, index: number, value: number, timeout?: number): WaitAsyncResult;
  }
).waitAsync;

/** Things in this thread that need its event loop (outstanding calls, kernel requests, async handlers). */
export const activity = { pending: 0 };

/** Times a caller in this thread gave up spinning and slept for an answer (diagnostics: Kernel.waitCounts). */
export const callerWaits = { sleeps: 0 };

/** Fail every call still pending in a connection's reply slots (its server is gone), waking sleeping callers. */
export function failPendingSlots(slots: Int32Array, code: number): void {
  for (let s = 0; s < SLOTS_PER_CONNECTION; s++) {
    const b = s * INTS_PER_LINE;
    for (;;) {
      const st = Atomics.load(slots, b + S_STATE);
      if ((st & 3) !== ST_PENDING) break;
      slots[b + S_CODE] = code;
      if (Atomics.compareExchange(slots, b + S_STATE, st, (st & ~3) | ST_DONE) === st) {
        Atomics.notify(slots, b + S_STATE);
        break;
      }
    }
  }
}
