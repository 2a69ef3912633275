// The kernel's limits and the name server's rules, in both modes: 32 connection slots, 128 servers, 63-byte names,
// a 128-message queue (try_send fails, send waits), connection limits, disconnect tokens, trusted-init-done,
// blocking connect and its timeout.
import { afterEach, describe, expect, it } from 'vitest';
import {
  FIRST_CID,
  MAX_CONNECTIONS,
  MAX_SERVERS,
  QUEUE_DEPTH,
  XousError,
  type Kernel,
} from '../../../transports/ipc/index.ts';
import { echoOps, Op, RegOp, registrarOps } from './fixtures/api.ts';
import { expectCode, Gate, kernel, MODES, REGISTRAR, spawnEcho, turns } from './helpers.ts';

describe.each(MODES)('limits (%s mode)', (mode) => {
  let k: Kernel;
  afterEach(() => k?.shutdown());

  it(`a process has ${MAX_CONNECTIONS} connection slots: CIDs 2..33, the same CID again for the same server, then OutOfMemory`, async () => {
    k = kernel(mode);
    const names = Array.from({ length: MAX_CONNECTIONS + 1 }, (_, i) => `slot-${i}`);
    await spawnEcho(k, { names });
    const p = k.process('many-conns');
    const cids: number[] = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) cids.push((await p.connect(names[i])).cid);
    expect(cids).toEqual(Array.from({ length: MAX_CONNECTIONS }, (_, i) => i + FIRST_CID));
    expect((await p.connect(names[5])).cid).toBe(FIRST_CID + 5);
    await expectCode(p.connect(names[MAX_CONNECTIONS]), XousError.OutOfMemory);
    await expectCode(p.lookup(names[MAX_CONNECTIONS]), XousError.OutOfMemory);
    // The refused connections did not use up anything: another process connects, and freeing a slot lets this one in.
    expect((await k.process('other').connect(names[MAX_CONNECTIONS])).cid).toBe(FIRST_CID);
    const last = await p.connect(names[0]);
    await last.disconnect();
    expect((await p.connect(names[MAX_CONNECTIONS])).cid).toBe(FIRST_CID);
    const c = await p.connect(names[1], { api: echoOps });
    expect(await c.blockingScalar(Op.Add, [1, 1])).toEqual([2, 0, 0, 0]);
  });

  it(`at most ${MAX_SERVERS} servers: the next registration is OutOfMemory, and a freed entry is reusable`, async () => {
    k = kernel(mode);
    const full = await spawnEcho(k, { anonymous: MAX_SERVERS - 1 });
    await expectCode(spawnEcho(k, { name: 'one-too-many' }, 'late'), XousError.OutOfMemory);
    const echo = await k.process('c').connect('echo', { api: echoOps });
    expect(await echo.blockingScalar(Op.Add, [1, 1])).toEqual([2, 0, 0, 3 + 1]);
    expect(k.listServers()).toHaveLength(MAX_SERVERS);
    await full.kill();
    await spawnEcho(k, { name: 'fits-now' }, 'later');
    expect(k.listServers().map((s) => s.name)).toEqual(['fits-now']);
  });

  it('names are 1..63 UTF-8 bytes (InvalidString otherwise); a duplicate is ServerExists', async () => {
    k = kernel(mode);
    await k.spawn({ name: 'registrar', module: REGISTRAR });
    const reg = await k.process('c').connect('registrar', { api: registrarOps });
    const register = (name: string) => reg.request(RegOp.Register, { name, anonymous: false }).then((r) => r.code);
    expect(await register('a'.repeat(63))).toBe(0);
    expect(await register('€'.repeat(21))).toBe(0); // 63 bytes
    expect(await register('b'.repeat(64))).toBe(XousError.InvalidString);
    expect(await register('€'.repeat(21) + 'x')).toBe(XousError.InvalidString); // 64 bytes
    expect(await register('')).toBe(XousError.InvalidString);
    expect(await register('a'.repeat(63))).toBe(XousError.ServerExists);
    expect(await register('registrar')).toBe(XousError.ServerExists);
    const p = k.process('client');
    await expectCode(p.lookup('c'.repeat(64)), XousError.InvalidString);
    await expectCode(p.connect(''), XousError.InvalidString);
    expect((await p.lookup('€'.repeat(21))).server).toBe('€'.repeat(21));
  });

  it(`the queue holds ${QUEUE_DEPTH} messages: try_send then fails with ServerQueueFull, send waits for room`, async () => {
    k = kernel(mode);
    const gate = new Gate();
    await spawnEcho(k, { gate: gate.sab });
    const p = k.process('flooder');
    const echo = await p.connect('echo', { api: echoOps });
    const held = echo.blockingScalar(Op.Hold);
    await gate.entered(); // the server is inside Hold: nothing more is taken off its queue
    for (let i = 0; i < QUEUE_DEPTH; i++) await echo.scalar(Op.Bump, [1], { try: true });
    await expectCode(echo.scalar(Op.Bump, [1], { try: true }), XousError.ServerQueueFull);
    await expectCode(echo.blockingScalar(Op.Add, [1, 1], { try: true }), XousError.ServerQueueFull);
    const keep = { bytes: new Uint8Array(4096), offset: 0, valid: 0 };
    await expectCode(echo.move(Op.Take, keep, { try: true }), XousError.ServerQueueFull);
    expect(keep.bytes.length).toBe(4096); // a move that did not happen took nothing
    let sent = false;
    const waiting = echo.scalar(Op.Bump, [1]).then(() => (sent = true));
    const reply = echo.blockingScalar(Op.Count);
    await turns();
    expect(sent).toBe(false); // the server is held and its queue is full: this send cannot have gone
    gate.release();
    expect(await held).toEqual([1, 0, 0, 0]);
    await waiting;
    expect(await reply).toEqual([QUEUE_DEPTH + 1, 0, 0, 0]);
    // Other processes were never blocked by it.
    expect(await (await k.process('other').connect('echo', { api: echoOps })).blockingScalar(Op.Add, [2, 2])).toEqual([
      4, 0, 0, 4,
    ]);
  });

  it('a connection limit: lookups beyond it fail with ServerNotFound, blocking connect too', async () => {
    k = kernel(mode);
    await spawnEcho(k, { name: 'limited', connLimit: 2 });
    const [a, b, c] = ['a', 'b', 'c'].map((n) => k.process(n));
    await a.lookup('limited');
    await b.connect('limited');
    await expectCode(c.lookup('limited'), XousError.ServerNotFound);
    await expectCode(c.connect('limited'), XousError.ServerNotFound);
    await expectCode(c.lookup('never-registered'), XousError.ServerNotFound);
    // A process that already holds a brokered connection still counts: asking again uses another.
    await expectCode(a.lookup('limited'), XousError.ServerNotFound);
  });

  it('trusted-init-done: true once every limited server has all its connections', async () => {
    k = kernel(mode);
    const p = k.process('boot');
    expect(await p.trustedInitDone()).toBe(true); // nothing limited yet
    await spawnEcho(k, { name: 'tofu', connLimit: 1, names: ['open'] });
    expect(await p.trustedInitDone()).toBe(false);
    expect(k.trustedInitDone()).toBe(false);
    await p.connect('open');
    expect(await p.trustedInitDone()).toBe(false);
    await p.connect('tofu');
    expect(await p.trustedInitDone()).toBe(true);
    // The same question from inside a process (in a worker, through the kernel link).
    await k.spawn({ name: 'registrar', module: REGISTRAR });
    const reg = await p.connect('registrar', { api: registrarOps });
    expect(await reg.blockingScalar(RegOp.Trusted)).toEqual([1, 0, 0, 0]);
  });

  it('a disconnect token frees a limited slot once; a stale token is refused (ServerNotFound)', async () => {
    k = kernel(mode);
    await spawnEcho(k, { name: 'single', connLimit: 1 });
    const a = k.process('a');
    const b = k.process('b');
    const conn = await a.connect('single');
    const token = conn.token!;
    expect(token).toHaveLength(4);
    await expectCode(b.lookup('single'), XousError.ServerNotFound);
    await a.disconnectWithToken('single', token);
    const second = await b.lookup('single', { api: echoOps });
    expect(await second.blockingScalar(Op.Add, [5, 5])).toEqual([10, 0, 0, b.pid]);
    await expectCode(a.disconnectWithToken('single', token), XousError.ServerNotFound);
    await expectCode(a.disconnectWithToken('nobody', token), XousError.ServerNotFound);
    // Disconnecting a connection presents its (current) token: the slot frees again.
    await second.disconnect();
    await a.lookup('single');
  });

  it('blocking connect waits until the name is registered', async () => {
    k = kernel(mode);
    const p = k.process('early');
    let done = false;
    const pending = p.connect('late-server', { api: echoOps }).then((c) => ((done = true), c));
    await turns();
    expect(done).toBe(false);
    await spawnEcho(k, { name: 'late-server' });
    const c = await pending;
    expect(await c.blockingScalar(Op.Add, [1, 2])).toEqual([3, 0, 0, p.pid]);
  });

  it('blocking connect with a timeout fails with Timeout; the kernel keeps working', async () => {
    k = kernel(mode);
    const p = k.process('impatient');
    await expectCode(p.connect('nobody-home', { timeoutMs: 5 }), XousError.Timeout);
    await expectCode(p.connect('nobody-home', { timeoutMs: -1 }), XousError.InvalidArgument);
    await spawnEcho(k);
    expect((await p.connect('echo', { timeoutMs: 10_000 })).server).toBe('echo');
  });

  it('a bad connLimit is InvalidLimit', async () => {
    k = kernel(mode);
    await expectCode(spawnEcho(k, { connLimit: -1 }), XousError.InvalidLimit);
    await expectCode(spawnEcho(k, { connLimit: 1.5 }), XousError.InvalidLimit);
  });
});
