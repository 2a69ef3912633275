// IPC kernel benchmark: round trips and throughput in both execution modes, each reported against a floor measured
// in the same run (a direct async call; two raw workers ping-ponging over a SharedArrayBuffer).
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { allocPages, Kernel, type Connection } from '../transports/ipc/index.ts';
import { DemoOp, demoOps } from '../transports/ipc/demo-server.ts';
import { median, report, timeUs } from './harness.ts';

const SUITE = 'ipc';
const SERVER = new URL('../transports/ipc/demo-server.ts', import.meta.url);

// Two plain workers bouncing one Int32, on demand: both sleep until asked for a sample of n round trips (so they
// load no core while the kernel is measured between samples); A times it. mode 'spin': both spin on Atomics.load;
// 'wait': both sleep in Atomics.wait and wake each other with Atomics.notify.
const PING_PONG = `
const { workerData, parentPort } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const a = new Int32Array(workerData.sab);
const { role, mode } = workerData;
const spin = mode === 'spin';
for (let i = 0, gen = 0; ; ) {
  while (Atomics.load(a, 1) === gen) Atomics.wait(a, 1, gen);
  gen = Atomics.load(a, 1);
  if (gen < 0) break;
  const n = a[2];
  const t0 = performance.now();
  for (let k = 0; k < n; k++, i++) {
    const ping = 2 * i + 1;
    if (role === 'B') {
      if (spin) while (Atomics.load(a, 0) !== ping);
      else while (Atomics.load(a, 0) !== ping) Atomics.wait(a, 0, ping - 1);
      Atomics.store(a, 0, ping + 1);
      if (!spin) Atomics.notify(a, 0);
    } else {
      Atomics.store(a, 0, ping);
      if (spin) { while (Atomics.load(a, 0) !== ping + 1); }
      else { Atomics.notify(a, 0); while (Atomics.load(a, 0) !== ping + 1) Atomics.wait(a, 0, ping); }
    }
  }
  if (role === 'A') parentPort.postMessage(((performance.now() - t0) * 1000) / n);
}`;

class PingPong {
  private readonly ctl: Int32Array;
  private constructor(
    private readonly a: Worker,
    private readonly b: Worker,
    sab: SharedArrayBuffer,
  ) {
    this.ctl = new Int32Array(sab);
  }

  static start(mode: 'spin' | 'wait'): PingPong {
    const sab = new SharedArrayBuffer(64);
    const b = new Worker(PING_PONG, { eval: true, workerData: { sab, role: 'B', mode } });
    const a = new Worker(PING_PONG, { eval: true, workerData: { sab, role: 'A', mode } });
    return new PingPong(a, b, sab);
  }

  /** Microseconds per round trip over `n` round trips. */
  sample(n: number): Promise<number> {
    const done = new Promise<number>((resolve, reject) => {
      this.a.once('message', resolve);
      this.a.once('error', reject);
    });
    this.ctl[2] = n;
    Atomics.add(this.ctl, 1, 1);
    Atomics.notify(this.ctl, 1);
    return done;
  }

  async close(): Promise<void> {
    Atomics.store(this.ctl, 1, -1);
    Atomics.notify(this.ctl, 1);
    await Promise.all([this.a.terminate(), this.b.terminate()]);
  }
}

/** Median of `runs` samples of n round trips (after one warm-up sample). */
async function pingPong(mode: 'spin' | 'wait', n: number, runs = 9): Promise<number> {
  const pp = PingPong.start(mode);
  const xs: number[] = [];
  for (let r = 0; r <= runs; r++) {
    const x = await pp.sample(n);
    if (r > 0) xs.push(x);
  }
  await pp.close();
  return median(xs);
}

// The best case of moving 4 KiB by postMessage: both sides spin on a flag and read with receiveMessageOnPort.
const POST_4K = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const s = new Int32Array(workerData.sab);
const port = workerData.port;
for (;;) {
  let v; while ((v = Atomics.load(s, 0)) !== 1 && v !== 9);
  if (v === 9) break;
  const m = receiveMessageOnPort(port);
  m.message[0]++;
  port.postMessage(m.message);
  Atomics.store(s, 0, 2);
}`;

async function postMessage4k(n: number, runs = 9): Promise<number> {
  const { MessageChannel, receiveMessageOnPort } = await import('node:worker_threads');
  const { port1, port2 } = new MessageChannel();
  const sab = new SharedArrayBuffer(64);
  const s = new Int32Array(sab);
  const w = new Worker(POST_4K, { eval: true, workerData: { sab, port: port2 }, transferList: [port2] });
  const buf = new Uint8Array(4096);
  const samples: number[] = [];
  for (let r = 0; r <= runs; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      port1.postMessage(buf);
      Atomics.store(s, 0, 1);
      while (Atomics.load(s, 0) !== 2);
      buf.set(receiveMessageOnPort(port1)!.message as Uint8Array);
    }
    if (r > 0) samples.push(((performance.now() - t0) * 1000) / n);
  }
  Atomics.store(s, 0, 9);
  await w.terminate();
  port1.close();
  return median(samples);
}

async function connect(mode: 'thread' | 'worker'): Promise<{ kernel: Kernel; conn: Connection<typeof demoOps> }> {
  const kernel = new Kernel({ mode });
  await kernel.spawn({ name: 'counter', module: SERVER });
  const conn = await kernel.process('bench').connect('demo-counter', { api: demoOps });
  return { kernel, conn };
}

// One worker asleep in Atomics.wait; the caller wakes it after an idle gap and spins for its answer.
const SLEEPER = `
const { workerData } = require('node:worker_threads');
const a = new Int32Array(workerData.sab);
for (let last = 0; ; ) {
  while (Atomics.load(a, 0) === last) Atomics.wait(a, 0, last);
  last = Atomics.load(a, 0);
  if (last < 0) break;
  Atomics.store(a, 1, last);
}`;

class Sleeper {
  private readonly a = new Int32Array(new SharedArrayBuffer(64));
  private readonly w = new Worker(SLEEPER, { eval: true, workerData: { sab: this.a.buffer } });
  private n = 0;

  /** Microseconds from waking it to seeing its answer. */
  wake(): number {
    const i = ++this.n;
    const t0 = performance.now();
    Atomics.store(this.a, 0, i);
    Atomics.notify(this.a, 0);
    while (Atomics.load(this.a, 1) !== i);
    return (performance.now() - t0) * 1000;
  }

  async close(): Promise<void> {
    Atomics.store(this.a, 0, -1);
    Atomics.notify(this.a, 0);
    await this.w.terminate();
  }
}

/**
 * A kernel figure and its floor, sampled alternately so both see the same machine: on a shared host the load changes
 * from one second to the next, and a floor measured before the kernel figure can be off by several times.
 * Returns the medians and the spread of the per-pair ratios.
 */
async function paired(
  samples: number,
  floor: () => Promise<number> | number,
  kernel: () => Promise<number>,
): Promise<{ floor: number; kernel: number; ratios: number[] }> {
  const fs: number[] = [];
  const ks: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r <= samples; r++) {
    const f = await floor();
    const k = await kernel();
    if (r === 0) continue; // warm-up
    fs.push(f);
    ks.push(k);
    ratios.push(k / f);
  }
  return { floor: median(fs), kernel: median(ks), ratios: ratios.sort((a, b) => a - b) };
}

/** The spread of paired ratios: "p10-p90" of the sorted list. */
function spread(sorted: number[]): string {
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2);
  return `${at(0.1)}-${at(0.9)}`;
}

/** Scalars per second from one sender that awaits each send (so a full queue would hold it back). */
async function scalarRate(conn: Connection<typeof demoOps>, n: number): Promise<number> {
  const us = await timeUs(() => conn.scalar(DemoOp.Add, [1]), { batch: n, runs: 7 });
  return 1e6 / us;
}

export async function run(): Promise<void> {
  const direct = async (x: number) => x + 1;
  const asyncCall = await timeUs(() => direct(1), { batch: 100_000, runs: 9 });
  report(SUITE, 'baseline: direct async call', asyncCall, 'us');
  const waitFloor = await pingPong('wait', 300);
  report(SUITE, 'baseline: 2 workers ping-pong, Atomics.wait/notify', waitFloor, 'us');
  const post4k = await postMessage4k(5_000);
  report(SUITE, 'baseline: 4 KiB by postMessage, spinning both sides', post4k, 'us');

  // In-thread.
  {
    const { kernel, conn } = await connect('thread');
    const bs = await timeUs(() => conn.blockingScalar(DemoOp.Ping, [1, 2, 3, 4]), { batch: 20_000, runs: 9 });
    report(SUITE, 'thread: BlockingScalar round trip', bs, 'us', { name: 'direct async call', value: asyncCall });
    const page = allocPages(1);
    const mb = await timeUs(() => conn.mutableBorrow(DemoOp.Touch, page), { batch: 20_000, runs: 9 });
    report(SUITE, 'thread: 4 KiB MutableBorrow round trip', mb, 'us', { name: 'direct async call', value: asyncCall });
    const rate = await scalarRate(conn, 200_000);
    report(SUITE, 'thread: Scalar throughput', rate, 'msgs/s', {
      name: 'direct async calls/s',
      value: 1e6 / asyncCall,
    });
    await kernel.shutdown();
  }

  // Across workers, each latency sampled alternately with its floor.
  {
    const { kernel, conn } = await connect('worker');
    const ping = () => conn.blockingScalar(DemoOp.Ping, [1, 2, 3, 4]);
    await timeUs(ping, { batch: 20_000, runs: 1 });
    const pp = PingPong.start('spin');
    const w0 = kernel.waitCounts();
    const busy = await paired(
      15,
      () => pp.sample(20_000),
      () => timeUs(ping, { batch: 20_000, runs: 1, warmup: 0 }),
    );
    const w1 = kernel.waitCounts();
    await pp.close();
    const calls = 16 * 20_000;
    report(SUITE, 'baseline: 2 workers ping-pong, spin on Atomics.load (paired)', busy.floor, 'us');
    report(SUITE, 'worker: BlockingScalar round trip, back-to-back', busy.kernel, 'us', {
      name: 'spin ping-pong',
      value: busy.floor,
    });
    report(
      SUITE,
      `worker: back-to-back / spin ping-pong, paired ratios p10-p90 ${spread(busy.ratios)}`,
      median(busy.ratios),
      'x',
    );
    report(
      SUITE,
      'worker: back-to-back, server sleeps per 1000 calls',
      ((w1.serverSleeps - w0.serverSleeps) * 1000) / calls,
      'sleeps',
    );
    report(
      SUITE,
      'worker: back-to-back, caller sleeps per 1000 calls',
      ((w1.callerSleeps - w0.callerSleeps) * 1000) / calls,
      'sleeps',
    );

    const sleeper = new Sleeper();
    const gap = async (f: () => number | Promise<number>): Promise<number> => {
      await sleep(4);
      return f();
    };
    const idle = await paired(
      40,
      () => gap(() => sleeper.wake()),
      () =>
        gap(async () => {
          const t0 = performance.now();
          await ping();
          return (performance.now() - t0) * 1000;
        }),
    );
    await sleeper.close();
    report(SUITE, 'baseline: wake a worker asleep in Atomics.wait after a 4 ms gap (paired)', idle.floor, 'us');
    report(SUITE, 'worker: BlockingScalar round trip, after a 4 ms idle gap', idle.kernel, 'us', {
      name: 'raw wake after the same gap',
      value: idle.floor,
    });
    report(SUITE, 'worker: BlockingScalar after a 4 ms idle gap, against two wake-ups', idle.kernel, 'us', {
      name: 'wait/notify ping-pong',
      value: waitFloor,
    });
    const page = allocPages(1);
    const mb = await timeUs(() => conn.mutableBorrow(DemoOp.Touch, page), { batch: 20_000, runs: 9, warmup: 10 });
    report(SUITE, 'worker: 4 KiB MutableBorrow round trip, back-to-back', mb, 'us', {
      name: '4 KiB postMessage (best case)',
      value: post4k,
    });
    const rate = await scalarRate(conn, 200_000);
    report(SUITE, 'worker: Scalar throughput', rate, 'msgs/s', {
      name: 'direct async calls/s',
      value: 1e6 / asyncCall,
    });
    await kernel.shutdown();
  }
}
