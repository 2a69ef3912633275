// `npm start` material: boot a kernel with tracing, run a short flow across three processes, return the trace.
import type { Random } from '../../lib/random.ts';
import { allocPages } from './buffer.ts';
import { DemoOp, demoOps } from './demo-server.ts';
import { Kernel, type Mode } from './kernel.ts';
import type { TraceEntry } from './trace.ts';

export interface DemoResult {
  /** The text sequence diagram of every message the flow sent. */
  diagram: string;
  entries: TraceEntry[];
  /** What the client saw. */
  greeting: string;
  total: number;
}

export async function runDemo(opts: { mode?: Mode; random?: Random } = {}): Promise<DemoResult> {
  const kernel = new Kernel({ mode: opts.mode ?? 'thread', random: opts.random, trace: true });
  try {
    const module = new URL('./demo-server.ts', import.meta.url);
    await kernel.spawn({ name: 'counter', module });
    await kernel.spawn({ name: 'greeter', module, export: 'greeter' });
    const app = kernel.process('app');
    const counter = await app.connect('demo-counter', { api: demoOps });
    const greeter = await app.connect('demo-greeter', { api: { [DemoOp.Greet]: demoOps[DemoOp.Greet] } });
    await counter.blockingScalar(DemoOp.Ping, [41]);
    const buf = allocPages(1);
    await counter.mutableBorrow(DemoOp.Touch, buf);
    const reply = await greeter.request(DemoOp.Greet, { name: 'precursor', pin: '1234', count: 0 });
    const [total] = await counter.blockingScalar(DemoOp.Total);
    const entries = kernel.trace.entries();
    return { diagram: kernel.trace.toSequenceDiagram(), entries, greeting: reply.name, total };
  } finally {
    await kernel.shutdown();
  }
}
