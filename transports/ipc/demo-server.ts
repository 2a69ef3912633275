// A small demo process: a counter/echo server and a greeter that calls it. Used by the demo (npm start) and the
// IPC benchmark. Its opcode table is exported, as a real server's api.ts would be.
import { codec, MessageKind, t, type OpcodeSpec } from './index.ts';
import type { ProcessContext } from './process.ts';

export const Greeting = codec(
  t.record({
    name: t.string(63, { public: true }),
    /** Never shown in a trace: only its size is. */
    pin: t.string(16),
    count: t.u32({ public: true }),
  }),
);

export enum DemoOp {
  /** BlockingScalar: returns [a0 + 1, a1, a2, a3]. */
  Ping = 1,
  /** Scalar: adds a0 to the counter. */
  Add = 2,
  /** BlockingScalar: returns [counter]. */
  Total = 3,
  /** MutableBorrow: increments the first byte and sets offset = 1. */
  Touch = 4,
  /** MutableBorrow with codecs: greets by name (the greeter forwards it here). */
  Greet = 5,
}

export const demoOps = {
  [DemoOp.Ping]: { name: 'Ping', kinds: [MessageKind.BlockingScalar], publicArgs: true },
  [DemoOp.Add]: { name: 'Add', kinds: [MessageKind.Scalar], publicArgs: true },
  [DemoOp.Total]: { name: 'Total', kinds: [MessageKind.BlockingScalar], publicArgs: true },
  [DemoOp.Touch]: { name: 'Touch', kinds: [MessageKind.MutableBorrow] },
  [DemoOp.Greet]: { name: 'Greet', kinds: [MessageKind.MutableBorrow], request: Greeting, response: Greeting },
} satisfies Record<number, OpcodeSpec>;

/** The counter server: `demo-counter`. */
export default async function counter(ctx: ProcessContext): Promise<void> {
  let total = 0;
  await ctx.registerServer({
    name: 'demo-counter',
    opcodes: demoOps,
    handle(msg) {
      switch (msg.opcode) {
        case DemoOp.Ping:
          return [msg.args[0] + 1, msg.args[1], msg.args[2], msg.args[3]];
        case DemoOp.Add:
          total += msg.args[0];
          return;
        case DemoOp.Total:
          return [total];
        case DemoOp.Touch:
          msg.buf!.bytes[0]++;
          msg.buf!.offset = 1;
          return;
        case DemoOp.Greet:
          msg.respond({ name: `hello ${msg.value.name}`, pin: '', count: msg.value.count + 1 });
          return;
      }
    },
  });
}

/** The greeter server: `demo-greeter`, which forwards Greet to the counter (a server calling a server). */
export async function greeter(ctx: ProcessContext): Promise<void> {
  const counter = await ctx.connect('demo-counter', { api: demoOps });
  await ctx.registerServer({
    name: 'demo-greeter',
    connLimit: 1,
    opcodes: { [DemoOp.Greet]: demoOps[DemoOp.Greet] },
    async handle(msg) {
      await counter.scalar(DemoOp.Add, [1]);
      msg.respond(await counter.request(DemoOp.Greet, msg.value));
    },
  });
}
