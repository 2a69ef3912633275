// Tracing, in both modes: every message is recorded with who, what, how big and how it ended; payloads only by
// size unless a field is public; secrets never appear. Plus: thread mode is deterministic.
import { afterEach, describe, expect, it } from 'vitest';
import { allocPages, Kernel, Trace, type TraceEntry } from '../../../transports/ipc/index.ts';
import { runDemo } from '../../../transports/ipc/demo.ts';
import { SeededRandom } from '../../../lib/random.ts';
import { echoOps, Op, registrarOps, RegOp } from './fixtures/api.ts';
import { kernel, MODES, REGISTRAR, spawnEcho } from './helpers.ts';

const SECRET_TAG = 'TOPSECRET-tag';
const SECRET_BYTES = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x42]);

describe.each(MODES)('trace (%s mode)', (mode) => {
  let k: Kernel;
  afterEach(() => k?.shutdown());

  async function flow(): Promise<TraceEntry[]> {
    k = kernel(mode, true);
    await spawnEcho(k);
    await k.spawn({ name: 'registrar', module: REGISTRAR });
    const p = k.process('app');
    const echo = await p.connect('echo', { api: echoOps });
    await echo.blockingScalar(Op.Add, [2, 3]);
    await echo.scalar(Op.Bump, [1]);
    await echo.request(Op.Echo, {
      title: 'visible-title',
      secret: SECRET_BYTES,
      count: 3,
      big: 9n,
      flag: true,
      tag: SECRET_TAG,
      items: [{ id: 7, label: 'hidlabel' }],
    });
    await echo.mutableBorrow(Op.Fill, allocPages(2));
    await echo.move(Op.Take, allocPages(1));
    await echo.blockingScalar(Op.Throw).catch(() => undefined);
    await echo.scalar(Op.Crash, [1]);
    await echo.blockingScalar(Op.Count); // after the failed Scalar, so its server-side entry is recorded
    const reg = await p.connect('registrar', { api: registrarOps });
    await reg.request(RegOp.CallAdd, { name: 'echo', anonymous: false }); // a server calling a server
    return k.trace.toJSON();
  }

  it('records every message: sender, server, opcode, kind, bytes, result, latency', async () => {
    const entries = await flow();
    const find = (op: string, from = 'app') => entries.find((e) => e.op === op && e.from === from)!;
    expect(find('Add')).toMatchObject({
      from: 'app',
      to: 'echo',
      host: 'echo-proc',
      kind: 'BlockingScalar',
      bytes: 0,
      result: 'ok',
      args: [2, 3, 0, 0],
      reply: [5, 0, 0, 4],
    });
    expect(find('Bump')).toMatchObject({ kind: 'Scalar', result: 'sent' });
    expect(find('Bump').args).toBeUndefined(); // not publicArgs
    expect(find('Fill')).toMatchObject({ kind: 'MutableBorrow', bytes: 8192, result: 'ok' });
    expect(find('Take')).toMatchObject({ kind: 'Move', bytes: 4096, result: 'sent' });
    expect(find('Throw')).toMatchObject({ result: 'AccessDenied', code: 23 });
    expect(entries.find((e) => e.op === 'Crash' && e.note)).toMatchObject({ from: 'app', result: 'InternalError' });
    expect(find('Add', 'registrar')).toMatchObject({ to: 'echo', result: 'ok' });
    expect(entries.some((e) => e.to === 'xous-names' && e.op === 'Register')).toBe(true);
    expect(entries.some((e) => e.to === 'xous-names' && e.op === 'BlockingConnect' && e.from === 'registrar')).toBe(
      true,
    );
    for (const e of entries) {
      expect(e.latencyUs).toBeGreaterThanOrEqual(0);
      expect(e.t).toBeGreaterThanOrEqual(0);
    }
    const ts = entries.map((e) => e.t);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
  });

  it('shows public fields and hides the rest by size; secrets never appear, in JSON or diagram', async () => {
    const entries = await flow();
    const echo = entries.find((e) => e.op === 'Echo')!;
    expect(echo.request).toMatchObject({
      title: 'visible-title',
      count: 3,
      secret: '<5 bytes>',
      tag: '<13 bytes>',
      big: '<u64>',
      flag: '<bool>',
    });
    expect(echo.request).toMatchObject({ items: [{ id: 7, label: '<8 bytes>' }] });
    expect(echo.response).toMatchObject({ title: 'VISIBLE-TITLE', count: 4 });
    const json = JSON.stringify(entries);
    const diagram = k.trace.toSequenceDiagram();
    for (const text of [json, diagram]) {
      expect(text).not.toContain(SECRET_TAG);
      expect(text).not.toContain('hidlabel');
      expect(text).not.toContain('deadbeef');
      expect(text).not.toContain('1234'); // the PIN the Throw handler's error message quoted
      expect(text).not.toContain('hunter2');
    }
  });

  it('renders a readable sequence diagram with a lifeline per process', async () => {
    await flow();
    const d = k.trace.toSequenceDiagram();
    const [head] = d.split('\n');
    for (const name of ['app (pid 4)', 'echo-proc (pid 2)', 'registrar (pid 3)', 'kernel (pid 1)'])
      expect(head).toContain(name);
    expect(d).toMatch(/echo\.Add BS/);
    expect(d).toMatch(/echo\.Echo MB 4096B/);
    expect(d).toMatch(/AccessDenied/);
    expect(d).toMatch(/-+>\|/);
  });

  it('records nothing when off, and can be cleared', async () => {
    k = kernel(mode, false);
    await spawnEcho(k);
    const echo = await k.process('p').connect('echo', { api: echoOps });
    await echo.blockingScalar(Op.Add);
    expect(k.trace.entries()).toEqual([]);
    expect(k.trace.toSequenceDiagram()).toContain('no messages');
  });
});

describe('thread mode is deterministic', () => {
  it('two seeded runs of the same flow give the same trace (apart from times) and the same SIDs', async () => {
    const run = async () => {
      const k = new Kernel({ mode: 'thread', trace: true, random: new SeededRandom('same') });
      await spawnEcho(k, { anonymous: 2 });
      const p = k.process('p');
      const echo = await p.connect('echo', { api: echoOps });
      await Promise.all([echo.blockingScalar(Op.Defer), echo.blockingScalar(Op.Add, [1]), echo.scalar(Op.Bump, [2])]);
      const sids = k.listServers().map((s) => s.sid);
      const shape = k.trace.entries().map(({ t: _t, latencyUs: _l, ...rest }) => rest);
      await k.shutdown();
      return { sids, shape };
    };
    expect(await run()).toEqual(await run());
  });
});

describe('demo', () => {
  it.each(MODES)('runs and returns a diagram without the PIN (%s mode)', async (mode) => {
    const r = await runDemo({ mode });
    expect(r.greeting).toBe('hello precursor');
    expect(r.total).toBe(1);
    expect(r.diagram).toContain('demo-greeter.Greet');
    expect(r.diagram).toContain('demo-counter.Greet');
    expect(r.diagram).not.toContain('1234');
    expect(JSON.stringify(r.entries)).not.toContain('1234');
  });
});

describe('trace capacity', () => {
  it('keeps the newest entries and never more than its capacity (a device served for days)', () => {
    const trace = new Trace(true, 100);
    for (let i = 0; i < 1000; i++) {
      trace.record({
        t: i,
        from: 1,
        to: 2,
        server: 's',
        opcode: i,
        name: 'op',
        kind: 'Scalar',
        bytes: 0,
        result: 'ok',
        latencyUs: 0,
      } as never);
    }
    const entries = trace.entries();
    expect(entries.length).toBeLessThanOrEqual(100);
    expect(entries.length).toBeGreaterThanOrEqual(50);
    expect(entries.at(-1)!.seq).toBe(999);
    expect(entries.map((e) => e.seq)).toEqual([...entries.keys()].map((i) => 1000 - entries.length + i));
  });
});
