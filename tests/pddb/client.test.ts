// The typed client: what it refuses before sending, the basis monitor, read_dict's union, a connection-wide batched
// default, and close() ending its long polls.
import { afterEach, describe, expect, it } from 'vitest';
import type { Kernel } from '../../transports/ipc/index.ts';
import { isPddbError, Pddb } from '../../pddb/index.ts';
import { bootServer, dec, enc } from './server-boot.ts';

let kernel: Kernel | undefined;
afterEach(async () => {
  await kernel?.shutdown();
  kernel = undefined;
});

const T = 60_000;

describe('Pddb client', () => {
  it(
    'refuses names and passwords that would not survive UTF-8, without sending them',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      const before = kernel.trace.entries().length;
      await expect(s.pddb.get('a\uDC00', 'k')).rejects.toSatisfy((e) => isPddbError(e, 'InvalidName'));
      await expect(s.pddb.deleteDict('x'.repeat(256))).rejects.toSatisfy((e) => isPddbError(e, 'InvalidName'));
      await expect(s.pddb.createBasis('b', 'pw\uD800')).rejects.toSatisfy((e) => isPddbError(e, 'InvalidArgument'));
      await expect(s.pddb.unlockBasis('b', 'p'.repeat(300))).rejects.toSatisfy((e) =>
        isPddbError(e, 'InvalidArgument'),
      );
      expect(kernel.trace.entries().length).toBe(before);
      // past the client, the server's own limits: a 73-byte password is InvalidArgument
      await expect(s.pddb.createBasis('b', 'p'.repeat(73))).rejects.toSatisfy((e) => isPddbError(e, 'InvalidArgument'));
    },
    T,
  );

  it(
    'the basis monitor reports the open bases after each change; stop() ends it',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      const seen: string[][] = [];
      const stop = s.pddb.monitorBasis((bases) => seen.push(bases));
      await s.pddb.createBasis('b', 'pw');
      await s.pddb.unlockBasis('b', 'pw');
      await expect.poll(() => seen.at(-1)).toEqual(['.System', 'b']);
      await s.pddb.lockBasis('b');
      await expect.poll(() => seen.at(-1)).toEqual(['.System']);
      stop();
    },
    T,
  );

  it(
    'read_dict walks the union, the newest basis winning a key both hold',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      await (await s.pddb.get('d', 'shared', { createDict: true, createKey: true })).write(enc('old'));
      await (await s.pddb.get('d', 'sys-only', { createKey: true })).write(enc('sys'));
      await s.pddb.createBasis('b', 'pw');
      await s.pddb.unlockBasis('b', 'pw');
      await (await s.pddb.get('d', 'shared', { createDict: true, createKey: true })).write(enc('new'));
      const recs = await s.pddb.readDict('d');
      expect(recs.map((r) => [r.key, r.basis, dec(r.value!)])).toEqual([
        ['shared', 'b', 'new'],
        ['sys-only', '.System', 'sys'],
      ]);
      expect((await s.pddb.readDict('d', { basis: '.System' })).map((r) => dec(r.value!))).toEqual(['old', 'sys']);
      await expect(s.pddb.readDict('absent')).rejects.toSatisfy((e) => isPddbError(e, 'NotFound'));
    },
    T,
  );

  it(
    'concurrent listings of one process do not mix (the server keeps one listing session per process)',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      const app = kernel.process('app');
      const [one, two] = [await Pddb.connect(app), await Pddb.connect(app)];
      const dicts = ['a', 'b', 'c'];
      for (const d of dicts)
        for (let i = 0; i < 60; i++)
          await one.get(d, `${d}-${String(i).padStart(2, '0')}-${'x'.repeat(80)}`, {
            createDict: true,
            createKey: true,
            batched: true,
          });
      const lists = await Promise.all([
        ...dicts.map((d) => one.listKeys(d)),
        ...dicts.map((d) => two.listKeys(d)),
        one.listDicts(),
        two.listDicts(),
      ]);
      for (const [i, d] of [...dicts, ...dicts].entries()) {
        expect(lists[i]).toHaveLength(60);
        expect(lists[i].every((k) => k.startsWith(`${d}-`))).toBe(true);
      }
      expect(lists.slice(6)).toEqual([dicts, dicts]);
    },
    T,
  );

  it(
    'close() frees the process handles and ends its long polls; the server keeps serving others',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      const app = await Pddb.connect(kernel.process('app'));
      const k = await app.get('d', 'k', { createDict: true, createKey: true, onChange: () => {} });
      const seen: string[][] = [];
      app.monitorBasis((b) => seen.push(b));
      await app.close();
      await expect(k.read(1)).rejects.toBeDefined(); // the connection is gone
      await s.pddb.createBasis('b', 'pw');
      expect(await s.pddb.listKeys('d')).toEqual(['k']);
    },
    T,
  );
});
