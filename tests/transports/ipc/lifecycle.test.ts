// Processes ending, in both modes: a server that exits mid-call, a process killed mid-call, a worker that dies
// (process.exit in a handler), start failures, shutdown. Callers always get a typed error; nothing hangs.
import { afterEach, describe, expect, it } from 'vitest';
import { XousError, type Kernel } from '../../../transports/ipc/index.ts';
import { echoOps, Op } from './fixtures/api.ts';
import { expectCode, Gate, kernel, MODES, spawnEcho } from './helpers.ts';

const BAD = new URL('./fixtures/bad.ts', import.meta.url);

describe.each(MODES)('process lifecycle (%s mode)', (mode) => {
  let k: Kernel;
  afterEach(() => k?.shutdown());

  async function setup(init = {}) {
    k = kernel(mode);
    const proc = await spawnEcho(k, init);
    await spawnEcho(k, { name: 'bystander' }, 'bystander-proc');
    const client = k.process('client');
    const echo = await client.connect('echo', { api: echoOps });
    const other = await client.connect('bystander', { api: echoOps });
    return { proc, client, echo, other };
  }

  it('a server that exits mid-call fails the caller (ProcessTerminated); later calls find no server', async () => {
    const { proc, client, echo, other } = await setup();
    await expectCode(echo.blockingScalar(Op.Exit), XousError.ProcessTerminated);
    expect(await proc.exited).toBe(3);
    await expectCode(echo.blockingScalar(Op.Add, [1, 1]), XousError.ServerNotFound);
    await expectCode(echo.scalar(Op.Bump, [1]), XousError.ServerNotFound);
    await expectCode(client.lookup('echo'), XousError.ServerNotFound);
    expect(await other.blockingScalar(Op.Add, [1, 1])).toEqual([2, 0, 0, client.pid]);
    // The name is free again.
    await spawnEcho(k, {}, 'echo-again');
    const echo2 = await client.connect('echo', { api: echoOps });
    expect(await echo2.blockingScalar(Op.Add, [2, 2])).toEqual([4, 0, 0, client.pid]);
  });

  it('killing a process fails every caller waiting on it: in the handler, queued, and waiting for room', async () => {
    const gate = new Gate();
    const { proc, client, echo, other } = await setup({ gate: gate.sab });
    const held = expectCode(echo.blockingScalar(Op.Hold), XousError.ProcessTerminated);
    await gate.entered();
    const queued = Array.from({ length: 5 }, () =>
      expectCode(echo.blockingScalar(Op.Add, [1, 1]), XousError.ProcessTerminated),
    );
    const lend = expectCode(
      echo.mutableBorrow(Op.Fill, { bytes: new Uint8Array(4096), offset: 0, valid: 0 }),
      XousError.ProcessTerminated,
    );
    await proc.kill();
    await held;
    await Promise.all(queued);
    await lend;
    await expectCode(echo.blockingScalar(Op.Add), XousError.ServerNotFound);
    expect(await other.blockingScalar(Op.Add, [1, 1])).toEqual([2, 0, 0, client.pid]);
  });

  it('a process that dies mid-call (process.exit in a worker; exit in thread mode) fails the caller', async () => {
    const { proc, client, echo, other } = await setup();
    await expectCode(echo.blockingScalar(Op.Die), XousError.ProcessTerminated);
    expect(await proc.exited).toBe(7);
    await expectCode(echo.blockingScalar(Op.Add), XousError.ServerNotFound);
    expect(await other.blockingScalar(Op.Add, [1, 1])).toEqual([2, 0, 0, client.pid]);
    expect(await client.trustedInitDone()).toBe(true);
  });

  it('a deferred reply still pending when its server ends fails with ProcessTerminated', async () => {
    const { proc, echo } = await setup();
    const pending = echo.blockingScalar(Op.Defer);
    await proc.kill();
    // Either the reply won the race or the caller got the typed error: never a hang.
    const r = await pending.then(
      (w) => w[0],
      (e: { code: number }) => e.code,
    );
    expect([42, XousError.ProcessTerminated]).toContain(r);
  });

  it('a module whose main throws fails spawn; the kernel goes on', async () => {
    k = kernel(mode);
    const e = await expectCode(k.spawn({ name: 'bad', module: BAD }), XousError.InternalError);
    expect(e.message).toContain("process 'bad' failed to start");
    await expectCode(k.spawn({ name: 'bad', module: BAD, export: 'notAFunction' }), XousError.InvalidArgument);
    await expectCode(k.spawn({ name: 'bad', module: BAD, export: 'failing' }), XousError.ProcessTerminated);
    await expectCode(k.spawn({ name: 'bad', module: BAD, init: { f: () => 1 } }), XousError.InvalidArgument);
    const ok = await spawnEcho(k);
    expect(ok.pid).toBeGreaterThan(1);
  });

  it('a process may do its job in init and exit cleanly', async () => {
    k = kernel(mode);
    const h = await k.spawn({ name: 'once', module: BAD, export: 'oneShot' });
    expect(await h.exited).toBe(0);
    await expectCode(k.process('c').lookup('one-shot'), XousError.ServerNotFound);
  });

  it('shutdown fails pending calls and waiting connects, and refuses new work', async () => {
    const gate = new Gate();
    const { client, echo } = await setup({ gate: gate.sab });
    const held = expectCode(echo.blockingScalar(Op.Hold), XousError.ProcessTerminated);
    await gate.entered();
    const waiting = expectCode(client.connect('never'), XousError.ProcessTerminated);
    await k.shutdown();
    await held;
    await waiting;
    await expectCode(k.spawn({ name: 'x', module: BAD }), XousError.ProcessTerminated);
  });
});
