import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Kernel, type Mode } from '../../transports/ipc/index.ts';
import { isPddbError, Pddb, PDDB_SERVER_MODULE } from '../../pddb/index.ts';
import { TEST_PDDB_LEN } from '../../pddb/format/constants.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe.each<Mode>(['thread', 'worker'])('PDDB server over IPC (%s mode)', (mode) => {
  let kernel: Kernel;
  let dir: string;
  afterEach(async () => {
    await kernel?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  async function boot(seed = 'srv') {
    kernel = new Kernel({ mode, trace: true });
    await kernel.spawn({
      name: 'pddb',
      module: PDDB_SERVER_MODULE,
      init: { image: { path: join(dir, 'pddb.bin') }, keyboxPath: join(dir, 'keybox.bin'), seed },
    });
    return Pddb.connect(kernel.process('shell'));
  }

  it('formats, mounts, stores and reads back across a reboot', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pvault-srv-'));
    let pddb = await boot();
    expect(await pddb.isMounted()).toBe(false);
    const progress: number[] = [];
    await pddb.format('4321', TEST_PDDB_LEN, (p) => progress.push(p.done));
    expect(progress.length).toBeGreaterThan(0);
    await expect(pddb.tryMount('0000')).rejects.toSatisfy((e) => isPddbError(e, 'AccessDenied'));
    await pddb.tryMount('4321');
    expect(await pddb.listBasis()).toEqual(['.System']);
    await pddb.createBasis('work', 'pw');
    await pddb.unlockBasis('work', 'pw');
    const k = await pddb.get('notes', 'todo', { createDict: true, createKey: true });
    expect(k.basis).toBe('work');
    await k.write(enc('buy milk'));
    const big = new Uint8Array(150_000).map((_, i) => i * 7);
    const b = await pddb.get('notes', 'big', { createKey: true });
    await b.write(big);
    await pddb.sync();
    expect((await b.attributes()).len).toBe(150_000);
    await kernel.shutdown();

    pddb = await boot('srv2');
    await pddb.tryMount('4321');
    await expect(pddb.listDicts()).resolves.toEqual([]);
    await pddb.unlockBasis('work', 'pw');
    expect(dec(await (await pddb.get('notes', 'todo')).readAll())).toBe('buy milk');
    expect(await (await pddb.get('notes', 'big')).readAll()).toEqual(big);
    const all = await pddb.readDict('notes');
    expect(all.map((e) => e.key)).toEqual(['big', 'todo']);
    expect(all[0].value).toBeUndefined(); // over read_dict's size limit: read through a handle
    expect(Buffer.from(all[1].value!).toString()).toBe('buy milk');
    await expect(pddb.get('notes', 'nope')).rejects.toSatisfy((e) => isPddbError(e, 'NotFound'));
    // the server keeps serving after errors
    expect(await pddb.listKeys('notes')).toEqual(['big', 'todo']);
    // a handle: seek, partial read, truncate, drop
    const todo = await pddb.get('notes', 'todo');
    await todo.seek(4);
    expect(dec(await todo.read(4))).toBe('milk');
    await todo.truncate(3);
    expect(dec(await todo.readAll())).toBe('buy');
    await todo.close();
    await expect(todo.attributes()).rejects.toSatisfy((e) => isPddbError(e, 'BasisLost'));
    // the basis monitor fires on lock and unlock; ClearAfterSleeps locks on the n-th suspend
    const seen: string[][] = [];
    const stop = pddb.monitorBasis((bases) => seen.push(bases));
    await pddb.lockBasis('work');
    await pddb.unlockBasis('work', 'pw', { kind: 'clearAfterSleeps', sleeps: 2 });
    await pddb.churn();
    expect(await pddb.suspend()).toEqual([]);
    expect(await pddb.suspend()).toEqual(['work']);
    expect(await pddb.listBasis()).toEqual(['.System']);
    await expect.poll(() => seen.length).toBeGreaterThanOrEqual(3);
    stop();
    await pddb.unlockBasis('work', 'pw');
    expect(dec(await (await pddb.get('notes', 'todo')).readAll())).toBe('buy');
    const trace = kernel.trace.toSequenceDiagram();
    expect(trace).toContain('OpenBasis');
    expect(trace).not.toContain('pw');
    expect(trace).not.toContain('buy milk');
  });
});
