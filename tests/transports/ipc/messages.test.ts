// Every message kind, in both execution modes, against the echo fixture.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allocPages,
  MessageKind,
  Sid,
  XousError,
  type ClientProcess,
  type Connection,
  type Kernel,
} from '../../../transports/ipc/index.ts';
import { echoOps, Op, RegOp, registrarOps } from './fixtures/api.ts';
import { expectCode, kernel, MODES, REGISTRAR, spawnEcho } from './helpers.ts';

const note = (title: string) => ({
  title,
  secret: new Uint8Array([1, 2, 3, 4]),
  count: 7,
  big: 2n ** 63n + 5n,
  flag: true,
  tag: 'x',
  items: [
    { id: 1, label: 'one' },
    { id: 65535, label: 'max' },
  ],
});

describe.each(MODES)('messages (%s mode)', (mode) => {
  let k: Kernel;
  let client: ClientProcess;
  let echo: Connection<typeof echoOps>;

  beforeAll(async () => {
    k = kernel(mode);
    await spawnEcho(k);
    client = k.process('client');
    echo = await client.connect('echo', { api: echoOps });
  });
  afterAll(() => k.shutdown());

  it('BlockingScalar: the reply words come back, args reduced to u32, sender PID visible to the server', async () => {
    expect(await echo.blockingScalar(Op.Add, [2, 3, 7, 9])).toEqual([5, 7, 9, client.pid]);
    expect(await echo.blockingScalar(Op.Add, [-1, 0])).toEqual([0xffffffff, 0, 0, client.pid]);
    expect(await echo.blockingScalar(Op.Add, [2 ** 32 + 5, 1])).toEqual([6, 0, 0, client.pid]);
  });

  it('Scalar: no reply, the server acts on it in order', async () => {
    const [before] = await echo.blockingScalar(Op.Count);
    for (let i = 0; i < 10; i++) await echo.scalar(Op.Bump, [i]);
    expect(await echo.blockingScalar(Op.Count)).toEqual([before + 45, 0, 0, 0]);
  });

  it("Borrow: the server reads the memory but cannot change the caller's", async () => {
    const buf = allocPages(2);
    buf.bytes.fill(3);
    buf.offset = 5;
    await echo.borrow(Op.Sum, buf);
    expect(await echo.blockingScalar(Op.LastSum)).toEqual([3 * 8192, 0, 0, 0]);
    expect(buf.bytes.every((b) => b === 3)).toBe(true);
    expect(buf.offset).toBe(5);
  });

  it("MutableBorrow: the server's writes, offset and valid come back", async () => {
    const buf = allocPages(1);
    const same = await echo.mutableBorrow(Op.Fill, buf);
    expect(same).toBe(buf);
    expect(buf.bytes.every((b) => b === 0xab)).toBe(true);
    expect([buf.offset, buf.valid]).toEqual([10, 20]);
    // The same opcode also takes a Borrow: then nothing comes back.
    const ro = allocPages(1);
    await echo.borrow(Op.Sum, ro);
    await echo.mutableBorrow(Op.Sum, ro);
    expect(ro.bytes[0]).toBe(0xee);
    expect(ro.offset).toBe(1);
  });

  it("Move: ownership passes (the sender's ArrayBuffer is detached) and the server gets the bytes", async () => {
    const buf = allocPages(1);
    buf.bytes[0] = 77;
    const ab = buf.bytes.buffer;
    await echo.move(Op.Take, buf);
    expect(ab.byteLength).toBe(0);
    expect(buf.bytes.length).toBe(0);
    expect(await echo.blockingScalar(Op.LastTaken)).toEqual([4096, 77, 0, 0]);
    // Moved-away memory cannot be sent again.
    await expectCode(echo.move(Op.Take, buf), XousError.BadAddress);
    await expectCode(echo.borrow(Op.Sum, buf), XousError.BadAddress);
  });

  it('request(): codecs on both sides, every field type survives the trip', async () => {
    const reply = await echo.request(Op.Echo, note('hello'));
    expect(reply).toEqual({ ...note('HELLO'), count: 8, secret: new Uint8Array([4, 3, 2, 1]) });
    const up = await echo.request(Op.Upper, { text: 'grüße, 世界' });
    expect(up.text).toBe('GRÜSSE, 世界');
  });

  it('request() with a Borrow-only opcode sends the encoding read-only', async () => {
    await echo.request(Op.Store, note('stored'));
    expect(await echo.blockingScalar(Op.LastSum)).toEqual([7, 0, 0, 0]);
  });

  it('a deferred reply answers later, and the server keeps receiving meanwhile', async () => {
    const late = echo.blockingScalar(Op.Defer);
    expect(await echo.blockingScalar(Op.Add, [1, 1])).toEqual([2, 0, 0, client.pid]);
    expect(await late).toEqual([42, 0, 0, 0]);
    const buf = allocPages(1);
    await echo.mutableBorrow(Op.Defer, buf);
    expect(buf.bytes[0]).toBe(42);
  });

  it('many calls in flight on one connection all get their own answers', async () => {
    const calls = Array.from({ length: 100 }, (_, i) => echo.blockingScalar(Op.Add, [i, 1000]));
    const got = await Promise.all(calls);
    expect(got.map((w) => w[0])).toEqual(Array.from({ length: 100 }, (_, i) => i + 1000));
  });

  it('connecting to the same server again gives the same CID (and the same connection)', async () => {
    const again = await client.connect('echo');
    expect(again.cid).toBe(echo.cid);
    expect(again).toBe(echo);
    expect(echo.cid).toBeGreaterThanOrEqual(2);
  });

  it('a server in a worker (or thread) calls another server from its handler', async () => {
    await k.spawn({ name: 'registrar', module: REGISTRAR });
    const reg = await client.connect('registrar', { api: registrarOps });
    const r = await reg.request(RegOp.CallAdd, { name: 'echo', anonymous: false });
    expect(r).toEqual({ code: 0, sid: [], cid: 42 });
  });

  it('anonymous servers are reached by SID, handed over as four words', async () => {
    const reg = await client.connect('registrar', { api: registrarOps });
    const r = await reg.request(RegOp.Register, { name: '', anonymous: true });
    expect(r.code).toBe(0);
    const sid = Sid.fromWords(r.sid);
    const anon = await client.connectSid(sid, { api: echoOps });
    expect(anon.server).toMatch(/^anon:[0-9a-f]{8}$/);
    expect(await anon.blockingScalar(Op.Add, [40, 2])).toEqual([42, 0, 0, 0]);
    await expectCode(client.connectSid(new Sid([1, 2, 3, 4])), XousError.ServerNotFound);
  });

  it('disconnect closes the connection: later calls fail, a new connect works', async () => {
    const p = k.process('short-lived');
    const c = await p.connect('echo', { api: echoOps });
    await c.disconnect();
    await expectCode(c.blockingScalar(Op.Add, [1, 1]), XousError.ServerNotFound);
    const c2 = await p.connect('echo', { api: echoOps });
    expect(await c2.blockingScalar(Op.Add, [1, 1])).toEqual([2, 0, 0, p.pid]);
  });

  it('the opcode table a client sees matches what the server declared', () => {
    const ops = echo.info.ops;
    expect(ops.get(Op.Echo)?.name).toBe('Echo');
    expect(ops.get(Op.Sum)?.mask).toBe((1 << MessageKind.Borrow) | (1 << MessageKind.MutableBorrow));
    expect(echo.info.host).toBe('echo-proc');
  });
});
