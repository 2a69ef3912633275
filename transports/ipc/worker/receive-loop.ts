// A worker process's receive loop: the thread a Xous server blocks in receive_message. It serves every server of
// the process in turn, one message each per round. With nothing to do it spins briefly on Atomics.load (a message
// from a busy client arrives within a microsecond), then sleeps in Atomics.wait on the process doorbell. When this
// thread has async work outstanding (an async handler, a call to another process, a kernel request) it sleeps with
// Atomics.waitAsync instead, so the event loop that work needs keeps running.
import { performance } from 'node:perf_hooks';
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { TraceSink } from '../connection.ts';
import type { IpcError } from '../errors.ts';
import type { Incoming } from '../server.ts';
import { activity, P_BELL, P_SLEEPING, P_SLEEPS, ringBell, waitAsync } from '../shared/layout.ts';
import type { RingServer, ServerHooks } from '../shared/ring-server.ts';
import { SpinBudget } from '../shared/spin-budget.ts';
import { droppedRecord } from '../trace.ts';
import type { ConnControl } from './protocol.ts';

/** A sleeping loop still wakes this often to let timers and other event-loop work run. */
const IDLE_SLICE_MS = 50;
/**
 * A caller spinning on another core reads its answer within a microsecond. If the answer to the message that woke
 * us is still unread after this long, the caller is not running: it shares our core (a woken thread is often put on
 * its waker's core, which it then preempts), so spinning would only keep it off the CPU. Go to sleep at once instead.
 * (Only after a wake-up: in a busy streak an unread answer more likely means the caller was descheduled.)
 * Measured on a loaded 2-core machine (load ~20), where every call found the server asleep: 10 us gave ~43 us per
 * call, 2 us ~27 us, no rule ~87 us.
 */
const UNREAD_US = 2;

/** One full event-loop turn (timers included: setImmediate alone would come back before the timers phase). */
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
/**
 * A short turn of the event loop, for a loop that keeps serving: setTimeout(0) takes a whole millisecond, during
 * which every caller gives up spinning and sleeps. Timers that are due run at the next such turn (the loop only
 * comes back to the timers phase after a check phase), a few ms late at worst.
 */
const briefYield = () => new Promise<void>((resolve) => setImmediate(resolve));

export class ReceiveLoop implements ServerHooks {
  private readonly servers = new Map<number, RingServer>();
  private list: RingServer[] = [];
  private readonly early = new Map<number, ConnControl[]>();
  private seenBell = 0;
  private stopped = false;
  /** The loop just came out of a sleep: the thread that woke it may be sharing (and waiting for) our core. */
  private woke = false;
  private unreadSlots: Int32Array | undefined;
  private unreadIndex = 0;
  private unreadWord = 0;
  private readonly budget = new SpinBudget();

  constructor(
    private readonly block: Int32Array,
    private readonly ctl: MessagePort,
    private readonly serverSpinUs: number,
    private readonly proc: { name: string; pid: number },
    private readonly sink: TraceSink,
  ) {}

  add(index: number, server: RingServer): void {
    this.servers.set(index, server);
    this.list = [...this.servers.values()];
    for (const c of this.early.get(index) ?? []) this.connect(server, c);
    this.early.delete(index);
    this.wake();
  }

  /** Mark every server dead and stop (the process is exiting). */
  stop(): void {
    this.stopped = true;
    for (const s of this.list) s.markDead();
  }

  drainControl(): void {
    for (let m = receiveMessageOnPort(this.ctl); m !== undefined; m = receiveMessageOnPort(this.ctl)) {
      const c = m.message as ConnControl;
      if (c.t !== 'conn') continue;
      const server = this.servers.get(c.server);
      if (server) this.connect(server, c);
      else this.early.set(c.server, [...(this.early.get(c.server) ?? []), c]);
    }
  }

  private connect(server: RingServer, c: ConnControl): void {
    server.conns.set(c.connId, {
      pid: c.pid,
      slots: new Int32Array(c.slots),
      port: c.port,
      areas: [],
      areaGens: [],
      moves: new Map(),
    });
  }

  dropped(msg: Incoming, err: IpcError, server: string): void {
    if (this.sink.enabled)
      this.sink.record(
        droppedRecord('', msg, { name: server, host: this.proc.name, pid: this.proc.pid }, err, this.sink.epoch),
      );
  }

  wake(): void {
    ringBell(this.block, true);
  }

  answered(slots: Int32Array, index: number, word: number): void {
    this.unreadSlots = slots;
    this.unreadIndex = index;
    this.unreadWord = word;
  }

  private anyWork(): boolean {
    const list = this.list;
    for (let i = 0; i < list.length; i++) if (list[i].hasWork()) return true;
    return false;
  }

  /** Spin for work, for the budget's share of serverSpinUs; true if some came. */
  private spin(): boolean {
    const budget = this.budget;
    // A busy client's next message comes within a microsecond: read the clock only once that is over.
    for (let n = 0; n < 64; n++) {
      if (this.anyWork() || Atomics.load(this.block, P_BELL) !== this.seenBell) {
        budget.hit();
        return true;
      }
    }
    budget.begin(this.serverSpinUs);
    const start = performance.now();
    const unread = this.woke ? this.unreadSlots : undefined;
    this.woke = false;
    this.unreadSlots = undefined;
    for (let n = 1; ; n++) {
      if (this.anyWork() || Atomics.load(this.block, P_BELL) !== this.seenBell) {
        budget.hit();
        return true;
      }
      if ((n & 15) === 0) {
        if (budget.over()) return false;
        if (
          unread !== undefined &&
          performance.now() - start > UNREAD_US / 1000 &&
          Atomics.load(unread, this.unreadIndex) === this.unreadWord
        )
          return false;
      }
    }
  }

  async run(): Promise<void> {
    const block = this.block;
    let lastYield = performance.now();
    let count = 0;
    while (!this.stopped) {
      let worked = false;
      const list = this.list;
      for (let i = 0; i < list.length; i++) if (list[i].poll()) worked = true;
      const bell = Atomics.load(block, P_BELL);
      if (bell !== this.seenBell) {
        this.seenBell = bell;
        this.drainControl();
        worked = true;
      }
      if (worked) {
        // Async handlers and outstanding calls progress in microtasks and event-loop tasks: give them turns.
        if (activity.pending > 0) await null;
        if ((++count & 63) === 0) {
          const now = performance.now();
          if (now - lastYield > (activity.pending > 0 ? 1 : 10)) {
            await briefYield();
            lastYield = performance.now();
          }
        }
        continue;
      }
      const spun = activity.pending === 0;
      if (spun && this.spin()) continue;
      Atomics.store(block, P_SLEEPING, 1);
      const seen = Atomics.load(block, P_BELL);
      if (seen !== this.seenBell || this.anyWork()) {
        Atomics.store(block, P_SLEEPING, 0);
        continue;
      }
      this.woke = true;
      Atomics.add(block, P_SLEEPS, 1);
      if (activity.pending > 0) {
        const w = waitAsync(block, P_BELL, seen);
        if (w.async) await w.value;
        Atomics.store(block, P_SLEEPING, 0);
      } else {
        const res = Atomics.wait(block, P_BELL, seen, IDLE_SLICE_MS);
        Atomics.store(block, P_SLEEPING, 0);
        if (spun) this.budget.slept();
        if (res === 'timed-out') {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
    }
  }
}
