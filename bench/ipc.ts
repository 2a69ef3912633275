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

// Two plain workers bouncing one Int32 (A measures). mode 'spin': both spin on Atomics.load; 'wait': both sleep in
// Atomics.wait and wake each other with Atomics.notify.
const PING_PONG = `
const { workerData, parentPort } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const a = new Int32Array(workerData.sab);
const { role, mode, n, runs } = workerData;
const total = n * (runs + 1);
const spin = mode === 'spin';
if (role === 'B') {
  for (let i = 0; i < total; i++) {
    const ping = 2 * i + 1;
    if (spin) while (Atomics.load(a, 0) !== ping);
    else while (Atomics.load(a, 0) !== ping) Atomics.wait(a, 0, ping - 1);
    Atomics.store(a, 0, ping + 1);
    if (!spin) Atomics.notify(a, 0);
  }
} else {
  const samples = [];
  let i = 0;
  for (let r = 0; r <= runs; r++) {
    const t0 = performance.now();
    for (let k = 0; k < n; k++, i++) {
      const ping = 2 * i + 1;
      Atomics.store(a, 0, ping);
      if (spin) { while (Atomics.load(a, 0) !== ping + 1); }
      else { Atomics.notify(a, 0); while (Atomics.load(a, 0) !== ping + 1) Atomics.wait(a, 0, ping); }
    }
    if (r > 0) samples.push(((performance.now() - t0) * 1000) / n);
  }
  parentPort.postMessage(samples);
}`;

async function pingPong(mode: 'spin' | 'wait', n: number, runs = 9): Promise<number> {
  const sab = new SharedArrayBuffer(64);
  const b = new Worker(PING_PONG, { eval: true, workerData: { sab, role: 'B', mode, n, runs } });
  const a = new Worker(PING_PONG, { eval: true, workerData: { sab, role: 'A', mode, n, runs } });
  const samples = await new Promise<number[]>((resolve, reject) => {
    a.once('message', resolve);
    a.once('error', reject);
  });
  await Promise.all([a.terminate(), b.terminate()]);
  return median(samples);
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

async function rawIdleWake(samples: number, gapMs: number): Promise<number> {
  const sab = new SharedArrayBuffer(64);
  const a = new Int32Array(sab);
  const w = new Worker(SLEEPER, { eval: true, workerData: { sab } });
  const xs: number[] = [];
  for (let i = 1; i <= samples; i++) {
    await sleep(gapMs);
    const t0 = performance.now();
    Atomics.store(a, 0, i);
    Atomics.notify(a, 0);
    while (Atomics.load(a, 1) !== i);
    xs.push((performance.now() - t0) * 1000);
  }
  Atomics.store(a, 0, -1);
  Atomics.notify(a, 0);
  await w.terminate();
  return median(xs);
}

/** Median latency of a call made after the server has gone to sleep (idle gap). */
async function idleCall(conn: Connection<typeof demoOps>, samples: number, gapMs: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < samples; i++) {
    await sleep(gapMs);
    const t0 = performance.now();
    await conn.blockingScalar(DemoOp.Ping, [i]);
    xs.push((performance.now() - t0) * 1000);
  }
  return median(xs);
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
  const spinFloor = await pingPong('spin', 50_000);
  report(SUITE, 'baseline: 2 workers ping-pong, spin on Atomics.load', spinFloor, 'us');
  const waitFloor = await pingPong('wait', 300);
  report(SUITE, 'baseline: 2 workers ping-pong, Atomics.wait/notify', waitFloor, 'us');
  const post4k = await postMessage4k(5_000);
  report(SUITE, 'baseline: 4 KiB by postMessage, spinning both sides', post4k, 'us');
  const wake = await rawIdleWake(40, 4);
  report(SUITE, 'baseline: wake a worker asleep in Atomics.wait after a 4 ms gap', wake, 'us');

  // In-thread.
  {
    const { kernel, conn } = await connect('thread');
    const bs = await timeUs(() => conn.blockingScalar(DemoOp.Ping, [1, 2, 3, 4]), { batch: 20_000, runs: 9 });
    report(SUITE, 'thread: BlockingScalar round trip', bs, 'us', { name: 'direct async call', value: asyncCall });
    const page = allocPages(1);
    const mb = await timeUs(() => conn.mutableBorrow(DemoOp.Touch, page), { batch: 20_000, runs: 9 });
    report(SUITE, 'thread: 4 KiB MutableBorrow round trip', mb, 'us', { name: 'direct async call', value: asyncCall });
    const rate = await scalarRate(conn, 200_000);
    report(SUITE, 'thread: Scalar throughput', rate, 'msgs/s', { name: 'direct async calls/s', value: 1e6 / asyncCall });
    await kernel.shutdown();
  }

  // Across workers.
  {
    const { kernel, conn } = await connect('worker');
    const busy = await timeUs(() => conn.blockingScalar(DemoOp.Ping, [1, 2, 3, 4]), { batch: 20_000, runs: 9, warmup: 10 });
    report(SUITE, 'worker: BlockingScalar round trip, back-to-back', busy, 'us', { name: 'spin ping-pong', value: spinFloor });
    const idle = await idleCall(conn, 40, 4);
    report(SUITE, 'worker: BlockingScalar round trip, after idle gap', idle, 'us', { name: 'wait/notify ping-pong', value: waitFloor });
    const page = allocPages(1);
    const mb = await timeUs(() => conn.mutableBorrow(DemoOp.Touch, page), { batch: 20_000, runs: 9, warmup: 10 });
    report(SUITE, 'worker: 4 KiB MutableBorrow round trip, back-to-back', mb, 'us', { name: '4 KiB postMessage (best case)', value: post4k });
    const rate = await scalarRate(conn, 200_000);
    report(SUITE, 'worker: Scalar throughput', rate, 'msgs/s', { name: 'direct async calls/s', value: 1e6 / asyncCall });
    await kernel.shutdown();
  }
}
