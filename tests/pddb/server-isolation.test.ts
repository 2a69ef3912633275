// Isolation between PDDB clients: key tokens are random, bound to the process that got them, and freed on drop,
// release and basis lock; ExportKeys needs the spawn capability; key-change notices; nothing secret in traces.
import { afterEach, describe, expect, it } from 'vitest';
import type { Kernel, Mode } from '../../transports/ipc/index.ts';
import { isPddbError, Pddb } from '../../pddb/index.ts';
import { PddbOp, tokenToWords } from '../../pddb/api.ts';
import { bootServer, dec, enc, rawConnection } from './server-boot.ts';

let kernel: Kernel | undefined;
afterEach(async () => {
  await kernel?.shutdown();
  kernel = undefined;
});

const T = 60_000;
const grantReq = (dict: string, key: string, basis?: string) => ({
  dict: enc(dict),
  key: enc(key),
  basis: basis === undefined ? undefined : enc(basis),
  createDict: true,
  createKey: true,
  watch: false,
  batched: false,
});
const readReq = (token: Uint8Array) => ({ token, position: 0n, len: 100, data: new Uint8Array() });

describe.each<Mode>(['thread', 'worker'])('PDDB isolation: key tokens (%s mode)', (mode) => {
  it(
    'are 128 random bits, and another process cannot use, read, write or drop them',
    async () => {
      const s = await bootServer({ mode });
      kernel = s.kernel;
      const alice = await rawConnection(kernel.process('alice'));
      const mallory = await rawConnection(kernel.process('mallory'));
      const tokens = [];
      for (let i = 0; i < 8; i++) tokens.push((await alice.request(PddbOp.KeyRequest, grantReq('d', `k${i}`))).token!);
      expect(new Set(tokens.map((t) => Buffer.from(t).toString('hex'))).size).toBe(8);
      for (const t of tokens) expect(t.some((b) => b !== 0)).toBe(true);
      const token = tokens[0];
      expect((await alice.request(PddbOp.WriteKey, { token, position: 0n, len: 6, data: enc('secret') })).code).toBe(1);
      // Mallory holds Alice's token bytes: every use is BasisLost, as for a token that does not exist.
      expect((await mallory.request(PddbOp.ReadKey, readReq(token))).code).toBe(2);
      expect((await mallory.request(PddbOp.WriteKey, { token, position: 0n, len: 1, data: enc('x') })).code).toBe(2);
      expect(
        (await mallory.request(PddbOp.TruncateKey, { token, position: 0n, len: 0, data: new Uint8Array() })).code,
      ).toBe(2);
      expect((await mallory.request(PddbOp.KeyAttributes, { token })).code).not.toBe(4);
      expect(await mallory.blockingScalar(PddbOp.KeyDrop, tokenToWords(token))).toEqual([2, 0, 0, 0]);
      // Alice's handle is untouched.
      const read = await alice.request(PddbOp.ReadKey, readReq(token));
      expect(read.code).toBe(1);
      expect(dec(read.data!)).toBe('secret');
    },
    T,
  );

  it(
    'are freed by a basis lock (a re-unlock does not bring them back) and by the process releasing the PDDB',
    async () => {
      const s = await bootServer({ mode });
      kernel = s.kernel;
      await s.pddb.createBasis('hidden', 'pw');
      await s.pddb.unlockBasis('hidden', 'pw');
      const app = kernel.process('app');
      const raw = await rawConnection(app);
      const hidden = (await raw.request(PddbOp.KeyRequest, grantReq('vault', 'bank', 'hidden'))).token!;
      const sys = (await raw.request(PddbOp.KeyRequest, grantReq('prefs', 'x', '.System'))).token!;
      // a listing session that holds the hidden basis's names
      expect((await raw.request(PddbOp.KeyCountInDict, { dict: enc('vault'), index: 0 })).code).toBe(4);
      await s.pddb.lockBasis('hidden');
      await s.pddb.unlockBasis('hidden', 'pw');
      expect((await raw.request(PddbOp.ReadKey, readReq(hidden))).code).toBe(2);
      expect((await raw.request(PddbOp.ListKeyV2, {})).code).toBe(3); // the listing went with the lock
      expect((await raw.request(PddbOp.ReadKey, readReq(sys))).code).toBe(1); // .System's token stays
      // The typed client's close() releases every token of its process.
      const client = await Pddb.connect(app);
      await client.close();
      const again = await rawConnection(app);
      expect((await again.request(PddbOp.ReadKey, readReq(sys))).code).toBe(2);
    },
    T,
  );

  it(
    'a dropped or deleted key leaves its handle BasisLost, not another key',
    async () => {
      const s = await bootServer({ mode });
      kernel = s.kernel;
      const k = await s.pddb.get('d', 'k', { createDict: true, createKey: true });
      await k.write(enc('v'));
      const other = await s.pddb.get('d', 'k');
      await s.pddb.deleteKey('d', 'k');
      await expect(other.read(1)).rejects.toSatisfy((e) => isPddbError(e, 'BasisLost'));
      const again = await s.pddb.get('d', 'k', { createKey: true });
      await again.close();
      await expect(again.attributes()).rejects.toSatisfy((e) => isPddbError(e, 'BasisLost'));
    },
    T,
  );
});

describe('PDDB isolation: ExportKeys', () => {
  it(
    'answers only a client holding the capability given at spawn',
    async () => {
      const capability = new Uint8Array(32).fill(7);
      const s = await bootServer({
        init: { exportCapability: capability.slice() },
        connect: { exportCapability: capability },
      });
      kernel = s.kernel;
      const keys = await s.pddb.exportKeys();
      expect(keys.map((k) => k.name)).toEqual(['.System']);
      expect(keys[0].keys.data).toHaveLength(32);
      const stranger = await Pddb.connect(kernel.process('app'));
      await expect(stranger.exportKeys()).rejects.toSatisfy((e) => isPddbError(e, 'AccessDenied'));
      const forger = await Pddb.connect(kernel.process('forger'), { exportCapability: new Uint8Array(32).fill(8) });
      await expect(forger.exportKeys()).rejects.toSatisfy((e) => isPddbError(e, 'AccessDenied'));
    },
    T,
  );

  it(
    'is refused to everyone when the server was spawned without a capability',
    async () => {
      const s = await bootServer({ connect: { exportCapability: new Uint8Array(32) } });
      kernel = s.kernel;
      await expect(s.pddb.exportKeys()).rejects.toSatisfy((e) => isPddbError(e, 'AccessDenied'));
    },
    T,
  );
});

describe('PDDB isolation: key-change notices and traces', () => {
  it(
    'a watcher hears of writes through other handles, deletes and basis changes, not of its own writes',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      const other = await Pddb.connect(kernel.process('writer'));
      await (await s.pddb.get('d', 'k', { createDict: true, createKey: true })).write(enc('one'));
      let heard = 0;
      const mine = await s.pddb.get('d', 'k', { onChange: () => heard++ });
      await mine.write(enc('two'));
      await (await s.pddb.get('d', 'unrelated', { createKey: true })).write(enc('x'));
      await new Promise((r) => setTimeout(r, 20));
      expect(heard).toBe(0);
      await (await other.get('d', 'k')).write(enc('three'));
      await expect.poll(() => heard).toBe(1);
      await s.pddb.createBasis('b', 'pw');
      await s.pddb.unlockBasis('b', 'pw'); // the stack changed: the key may resolve elsewhere now
      await expect.poll(() => heard).toBeGreaterThanOrEqual(2); // notices that arrive together may come as one
      const before = heard;
      await other.deleteKey('d', 'k', '.System');
      await expect.poll(() => heard).toBeGreaterThan(before);
    },
    T,
  );

  it(
    'two clients in one process share one watch poll: both hear of their keys',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      const app = kernel.process('app');
      const [one, two] = [await Pddb.connect(app), await Pddb.connect(app)];
      let heard1 = 0;
      let heard2 = 0;
      await one.get('d', 'a', { createDict: true, createKey: true, onChange: () => heard1++ });
      await two.get('d', 'b', { createDict: true, createKey: true, onChange: () => heard2++ });
      await (await s.pddb.get('d', 'a')).write(enc('1'));
      await (await s.pddb.get('d', 'b')).write(enc('2'));
      await expect.poll(() => [heard1, heard2]).toEqual([1, 1]);
      const polls = kernel.trace.entries().filter((e) => e.op === 'KeyWatch').length;
      expect(polls).toBeLessThan(10); // no two loops answering each other
    },
    T,
  );

  it(
    'a watch ends when the server frees its token (basis locked): the client stops polling for it',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      await s.pddb.createBasis('b', 'pw');
      await s.pddb.unlockBasis('b', 'pw');
      let heard = 0;
      await s.pddb.get('d', 'k', { createDict: true, createKey: true, onChange: () => heard++ });
      await s.pddb.lockBasis('b');
      await expect.poll(() => heard).toBeGreaterThanOrEqual(1);
      const watchers = (s.pddb as unknown as { hub: { watchers: Map<string, unknown> } }).hub.watchers;
      await expect.poll(() => watchers.size).toBe(0);
    },
    T,
  );

  it(
    'traces show no password, PIN, value, basis, dict or key name',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      await s.pddb.createBasis('hiddenbasis', 'hunter2pw');
      await s.pddb.unlockBasis('hiddenbasis', 'hunter2pw');
      const k = await s.pddb.get('bankdict', 'acctkey', { createDict: true, createKey: true });
      await k.write(enc('topsecretvalue'));
      expect(dec(await k.readAll())).toBe('topsecretvalue');
      await s.pddb.listKeys('bankdict');
      await s.pddb.readDict('bankdict');
      const trace = JSON.stringify(kernel.trace.toJSON()) + kernel.trace.toSequenceDiagram();
      expect(trace).toContain('KeyRequest');
      // secret fields show as <secret>: not their size, not a value's length
      const entry = (op: string) => kernel!.trace.entries().find((e) => e.op === op)!;
      expect(entry('OpenBasis').request).toEqual({ name: '<secret>', password: '<secret>', clearAfterSleeps: null });
      expect(entry('WriteKey').request).toEqual({
        token: '<secret>',
        position: '0',
        len: '<secret>',
        data: '<secret>',
        more: false,
      });
      expect(trace).not.toMatch(/14 bytes/);
      for (const secret of ['hiddenbasis', 'hunter2pw', 'bankdict', 'acctkey', 'topsecretvalue'])
        expect(trace).not.toContain(secret);
    },
    T,
  );
});
