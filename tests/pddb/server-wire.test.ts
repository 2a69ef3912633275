// The PDDB server's wire, as the original's clients see it: opcode numbers and kinds, PddbRequestCode/PddbRetcode
// numbers, IsMounted held until mount, the mount poller, KeyDrop/WriteKeyFlush as blocking scalars, the native
// listing opcodes, read_dict's size limit, names refused at decode, FormatStep failures reported.
import { afterEach, describe, expect, it } from 'vitest';
import { isIpcError, INVALID_OPCODE, type Kernel } from '../../transports/ipc/index.ts';
import { isPddbError } from '../../pddb/index.ts';
import { PddbOp, tokenToWords } from '../../pddb/api.ts';
import { codeNumber } from '../../pddb/errors.ts';
import { bootServer, dec, enc, PIN, rawConnection } from './server-boot.ts';

let kernel: Kernel | undefined;
afterEach(async () => {
  await kernel?.shutdown();
  kernel = undefined;
});

const T = 60_000;

describe('PDDB wire: mount', () => {
  it(
    'IsMounted is held until mount and then answers (0, 0); the mount poller answers at once',
    async () => {
      const s = await bootServer({ mount: false });
      kernel = s.kernel;
      expect(await s.pddb.isMounted()).toBe(false);
      let settled = false;
      const waiting = s.pddb.isMountedBlocking().then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 50));
      expect(settled).toBe(false);
      const raw = await rawConnection(s.shell);
      // TryMount without a PIN from "root keys": (1, failures, AccessDenied)
      const [failed, count, why] = await raw.blockingScalar(PddbOp.TryMount);
      expect([failed, count, why]).toEqual([1, 1, codeNumber('AccessDenied', 'request')]);
      await expect(s.pddb.tryMount('0000')).rejects.toSatisfy((e) => isPddbError(e, 'AccessDenied'));
      await s.pddb.tryMount(PIN);
      await waiting;
      expect(settled).toBe(true);
      expect(await raw.blockingScalar(PddbOp.IsMounted)).toEqual([0, 0, 0, 0]);
      expect(await raw.blockingScalar(PddbOp.TryMount)).toEqual([0, 0, 0, 0]);
      expect(await s.pddb.isMounted()).toBe(true);
    },
    T,
  );

  it(
    'a format that cannot run reports its code; FormatStep without FormatBegin is InvalidArgument',
    async () => {
      const s = await bootServer({ format: false });
      kernel = s.kernel;
      await expect(s.pddb.format(PIN, 3 * 4096)).rejects.toSatisfy((e) => isPddbError(e, 'BadImage'));
      const raw = await rawConnection(s.shell);
      const [, , state, code] = await raw.blockingScalar(PddbOp.FormatStep);
      expect(state).toBe(2);
      expect(code).toBe(codeNumber('InvalidArgument', 'request'));
    },
    T,
  );
});

describe('PDDB wire: result numbers and key opcodes', () => {
  it(
    'requests answer PddbRequestCode numbers, key I/O PddbRetcode numbers; KeyDrop and WriteKeyFlush are blocking scalars',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      const raw = await rawConnection(s.shell);
      const ask = (createKey: boolean) =>
        raw.request(PddbOp.KeyRequest, {
          dict: enc('d'),
          key: enc('k'),
          createDict: createKey,
          createKey,
          watch: false,
          batched: false,
        });
      expect((await ask(false)).code).toBe(7); // NotFound
      const grant = await ask(true);
      expect(grant.code).toBe(4); // NoErr
      expect(grant.token).toHaveLength(16);
      const token = grant.token!;
      const write = await raw.request(PddbOp.WriteKey, { token, position: 0n, len: 5, data: enc('hello') });
      expect(write.code).toBe(1); // PddbRetcode::Ok
      const read = await raw.request(PddbOp.ReadKey, { token, position: 1n, len: 3, data: new Uint8Array() });
      expect(read.code).toBe(1);
      expect(dec(read.data!)).toBe('ell');
      expect(await raw.blockingScalar(PddbOp.WriteKeyFlush, [0])).toEqual([1, 0, 0, 0]);
      expect(await raw.blockingScalar(PddbOp.KeyDrop, tokenToWords(token))).toEqual([1, 0, 0, 0]);
      expect(await raw.blockingScalar(PddbOp.KeyDrop, tokenToWords(token))).toEqual([2, 0, 0, 0]); // BasisLost
      const after = await raw.request(PddbOp.ReadKey, { token, position: 0n, len: 3, data: new Uint8Array() });
      expect(after.code).toBe(2);
      // 28 and 29 are the original's ListDictStd/ListKeyStd (libstd): not served here, and not reused.
      for (const op of [28, 29]) {
        await expect((raw as any).blockingScalar(op)).rejects.toSatisfy(
          (e: unknown) => isIpcError(e) && e.code === INVALID_OPCODE,
        );
      }
    },
    T,
  );

  it(
    'seek from the end, truncate, attributes',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      const k = await s.pddb.get('notes', 'n', { createDict: true, createKey: true });
      await k.write(enc('hello world'));
      expect(await k.seek(-5, 'end')).toBe(6);
      expect(dec(await k.read(5))).toBe('world');
      expect(await k.seek(-3, 'current')).toBe(8);
      expect(dec(await k.read(10))).toBe('rld');
      await expect(k.seek(-12, 'end')).rejects.toSatisfy((e) => isPddbError(e, 'InvalidArgument'));
      await k.truncate(5);
      expect(await k.seek(0, 'end')).toBe(5);
      expect((await k.attributes()).len).toBe(5);
    },
    T,
  );
});

describe('PDDB wire: a basis that does not open', () => {
  it(
    'a wrong password and an absent basis both answer AccessDenied (9), the same message',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      await s.pddb.createBasis('b', 'right');
      const raw = await rawConnection(s.shell);
      const open = (name: string, password: string) =>
        raw.request(PddbOp.OpenBasis, { name: enc(name), password: enc(password) });
      expect(await open('b', 'wrong')).toEqual({ code: 9 });
      expect(await open('absent', 'right')).toEqual({ code: 9 });
      expect(await open('b', 'right')).toEqual({ code: 4 });
      expect(await s.pddb.listBasis()).toEqual(['.System', 'b']);
    },
    T,
  );
});

describe('PDDB wire: names', () => {
  it(
    'non-UTF-8 and over-long names are InvalidName, never another code and never merged into one name',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      const raw = await rawConnection(s.shell);
      const req = (dict: Uint8Array) =>
        raw.request(PddbOp.KeyRequest, {
          dict,
          key: enc('k'),
          createDict: true,
          createKey: true,
          watch: false,
          batched: false,
        });
      const invalidName = codeNumber('InvalidName', 'request');
      expect((await req(new Uint8Array([0x61, 0xff]))).code).toBe(invalidName);
      expect((await req(new Uint8Array([0x61, 0xfe]))).code).toBe(invalidName);
      expect((await req(new Uint8Array([0xed, 0xa0, 0x80]))).code).toBe(invalidName); // an encoded surrogate
      expect((await req(enc('x'.repeat(111)))).code).toBe(invalidName); // dict names are at most 110 bytes
      expect((await req(enc('x'.repeat(255)))).code).toBe(invalidName);
      expect(await s.pddb.listDicts()).toEqual([]);
      await expect(s.pddb.get('d\uD800', 'k', { createDict: true, createKey: true })).rejects.toSatisfy((e) =>
        isPddbError(e, 'InvalidName'),
      );
      await expect(s.pddb.get('d', 'k'.repeat(95), { createDict: true, createKey: true })).rejects.toSatisfy((e) =>
        isPddbError(e, 'InvalidName'),
      );
      await expect(s.pddb.get('d'.repeat(300), 'k')).rejects.toSatisfy((e) => isPddbError(e, 'InvalidName'));
      await expect(s.pddb.unlockBasis('b'.repeat(64), 'pw')).rejects.toSatisfy((e) => isPddbError(e, 'InvalidName'));
    },
    T,
  );
});

describe('PDDB wire: listings', () => {
  it(
    'keys page through ListKeyV2 (4064-byte pages) with the original counts; dicts by index',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      const names = Array.from({ length: 120 }, (_, i) => `${String(i).padStart(3, '0')}-${'n'.repeat(80)}`);
      for (const n of names) await s.pddb.get('many', n, { createDict: true, createKey: true, batched: true });
      await s.pddb.createBasis('b', 'pw');
      await s.pddb.unlockBasis('b', 'pw');
      await s.pddb.get('many', names[0], { createDict: true, createKey: true });
      await s.pddb.get('other', 'x', { createDict: true, createKey: true });
      const listed = await s.pddb.listKeysCounted('many');
      expect(listed.names).toEqual(names); // the union, sorted, across three pages
      expect(listed.keyCount).toBe(121); // the shared name counts once per basis, as the original counts
      expect((await s.pddb.listKeysCounted('many', 'b')).keyCount).toBe(1);
      expect(await s.pddb.listDicts()).toEqual(['many', 'other']);
      expect(await s.pddb.listDicts('b')).toEqual(['many', 'other']);
      expect(await s.pddb.listDicts('.System')).toEqual(['many']);
      await expect(s.pddb.listKeys('absent')).rejects.toSatisfy((e) => isPddbError(e, 'NotFound'));
      // A page asked for without a listing in progress: AccessDenied, as the original.
      const raw = await rawConnection(kernel.process('other'));
      expect((await raw.request(PddbOp.ListKeyV2, {})).code).toBe(3);
      expect((await raw.request(PddbOp.GetDictNameAtIndex, { index: 0 })).code).toBe(9);
    },
    T,
  );

  it(
    'read_dict: values over the size limit come back without bytes; the rest whole, across pages',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      const sizes: Record<string, number> = { a: 0, b: 100, c: 5000, d: 20_000, e: 40_000, f: 3000, g: 31_000 };
      const values = new Map<string, Uint8Array>();
      for (const [k, n] of Object.entries(sizes)) {
        const v = new Uint8Array(n).map((_, i) => (i * 31 + k.charCodeAt(0)) & 0xff);
        values.set(k, v);
        await (await s.pddb.get('bulk', k, { createDict: true, createKey: true, batched: true })).write(v);
      }
      const check = async (sizeLimit: number | undefined, over: (n: number) => boolean) => {
        const recs = await s.pddb.readDict('bulk', { sizeLimit });
        expect(recs.map((r) => r.key)).toEqual(Object.keys(sizes));
        for (const r of recs) {
          expect(r.len).toBe(sizes[r.key]);
          if (over(r.len)) expect(r.value, r.key).toBeUndefined();
          else expect(Buffer.from(r.value!).equals(Buffer.from(values.get(r.key)!)), r.key).toBe(true);
        }
      };
      await check(undefined, (n) => n > 32 * 1024);
      await check(8192, (n) => n > 8192);
      await check(100, (n) => n > 4096); // at least one page, as the original rounds up
      await check(1 << 20, (n) => n > 32 * 1024); // at most 32 KiB, as the original
    },
    T,
  );
});

describe('PDDB wire: a bad image file', () => {
  it(
    'an image file of the wrong size is BadImage at mount, a missing one NotMounted, not an opaque InternalError',
    async () => {
      const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const { join } = await import('node:path');
      const dir = mkdtempSync(join(tmpdir(), 'pvault-badimg-'));
      try {
        writeFileSync(join(dir, 'pddb.bin'), new Uint8Array(5000));
        writeFileSync(join(dir, 'keybox.bin'), new Uint8Array(1024));
        const s = await bootServer({
          init: { image: { path: join(dir, 'pddb.bin') }, keyboxPath: join(dir, 'keybox.bin') },
          format: false,
        });
        kernel = s.kernel;
        await expect(s.pddb.tryMount(PIN)).rejects.toSatisfy((e) => isPddbError(e, 'BadImage'));
        rmSync(join(dir, 'pddb.bin'));
        await expect(s.pddb.tryMount(PIN)).rejects.toSatisfy((e) => isPddbError(e, 'NotMounted')); // nothing to mount
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    T,
  );
});

describe('PDDB wire: DictBulkDelete', () => {
  it(
    'deletes the listed keys across several messages; absent keys are no error, an absent dict AccessDenied',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      const names = Array.from({ length: 90 }, (_, i) => `${String(i).padStart(2, '0')}-${'z'.repeat(85)}`);
      for (const n of names) await s.pddb.get('bulk', n, { createDict: true, createKey: true, batched: true });
      await s.pddb.get('bulk', 'keep', { createKey: true });
      await s.pddb.deleteKeyList('bulk', [...names, 'never-there']); // ~8 KB of names: three messages
      expect(await s.pddb.listKeys('bulk')).toEqual(['keep']);
      await expect(s.pddb.deleteKeyList('absent', ['x'])).rejects.toSatisfy((e) => isPddbError(e, 'AccessDenied'));
      const raw = await rawConnection(s.shell);
      const send = (data: Uint8Array) =>
        raw.request(PddbOp.DictBulkDelete, { dict: enc('bulk'), data, batched: false });
      expect((await send(new Uint8Array([10, 0x61]))).code).toBe(codeNumber('InvalidArgument', 'retcode')); // runs past the end
      expect((await send(new Uint8Array([2, 0x61, 0xff]))).code).toBe(codeNumber('InvalidName', 'retcode'));
      expect(await s.pddb.listKeys('bulk')).toEqual(['keep']);
    },
    T,
  );
});
