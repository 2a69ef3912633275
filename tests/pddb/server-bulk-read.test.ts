// DictBulkRead (read_dict) page by page: the server keeps each process's place in the listing between pages, and
// every page is still the one a fresh listing would give, whatever changes between pages.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Kernel, type ClientProcess } from '../../transports/ipc/index.ts';
import { Pddb } from '../../pddb/index.ts';
import { codeNumber, REQUEST_OK } from '../../pddb/errors.ts';
import { BULK_PAGE, PddbOp } from '../../pddb/api.ts';
import { TEST_PDDB_LEN } from '../../pddb/format/constants.ts';
import { bootServer, dec, enc, PIN, rawConnection } from './server-boot.ts';
import { servers } from './spied-server.ts';

let kernel: Kernel | undefined;
/** What each key should hold now (by key name; the tests use distinct names across bases). */
const stored = new Map<string, Uint8Array>();
afterEach(async () => {
  await kernel?.shutdown();
  kernel = undefined;
  stored.clear();
});

const T = 60_000;
const names = (n: number, prefix = 'k') =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
const valueFor = (key: string) => enc(`value of ${key} `.repeat(3));

async function fill(pddb: Pddb, dict: string, keys: string[], basis?: string): Promise<void> {
  for (const k of keys) {
    await (await pddb.get(dict, k, { basis, createDict: true, createKey: true, batched: true })).write(valueFor(k));
    stored.set(k, valueFor(k));
  }
  await pddb.sync();
}

type Page = {
  code: number;
  entries?: { key: string; basis: string; len: bigint; hasData: boolean }[];
  data?: Uint8Array;
  more?: boolean;
};

/** Raw pages of one process, as the client asks for them. */
async function pager(proc: ClientProcess, dict: string, basis?: string) {
  const conn = await rawConnection(proc);
  return async (after?: string): Promise<Page> =>
    (await conn.request(PddbOp.DictBulkRead, {
      dict: enc(dict),
      basis: basis === undefined ? undefined : enc(basis),
      after,
    })) as Page;
}

/** Every key and value a page carries, checked against what was written. */
function keysOf(page: Page): string[] {
  expect(page.code).toBe(REQUEST_OK);
  let at = 0;
  return (page.entries ?? []).map((e) => {
    const value = page.data!.subarray(at, at + Number(e.len));
    at += Number(e.len);
    expect(Buffer.from(value).equals(Buffer.from(stored.get(e.key)!)), e.key).toBe(true);
    return e.key;
  });
}

/** Page on from `after` to the end; the keys in order. */
async function rest(page: (after?: string) => Promise<Page>, after: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const p = await page(after);
    const keys = keysOf(p);
    out.push(...keys);
    if (!p.more) return out;
    after = keys[keys.length - 1];
  }
}

describe('DictBulkRead pages', () => {
  it(
    'a read of many pages returns every key once, in order, with its value',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      const keys = names(3 * BULK_PAGE + 5);
      await fill(s.pddb, 'd', keys);
      const recs = await s.pddb.readDict('d');
      expect(recs.map((r) => r.key)).toEqual(keys);
      for (const r of recs) expect(Buffer.from(r.value!).equals(Buffer.from(valueFor(r.key))), r.key).toBe(true);
      // Again at once: a finished read leaves nothing behind that changes the next one.
      expect((await s.pddb.readDict('d')).map((r) => r.key)).toEqual(keys);
    },
    T,
  );

  it(
    'keys created or deleted between pages: the next page is what a fresh listing gives, never a failure',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      const keys = names(3 * BULK_PAGE);
      await fill(s.pddb, 'd', keys);
      const page = await pager(kernel.process('reader'), 'd');
      const first = keysOf(await page());
      expect(first).toEqual(keys.slice(0, BULK_PAGE));
      const last = first[first.length - 1];
      // Another process changes the dict: one key not yet served goes, one sorts right after the page, one before it.
      await s.pddb.deleteKey('d', keys[BULK_PAGE + 10]);
      await fill(s.pddb, 'd', [`${last}x`, 'k000x']);
      // A value changed in place (no key created or deleted): the page reads it as it is now.
      const changed = enc('a new value, longer than the one before it');
      await (await s.pddb.get('d', keys[BULK_PAGE + 20])).write(changed);
      stored.set(keys[BULK_PAGE + 20], changed);
      const after = await rest(page, last);
      expect(after).toEqual([`${last}x`, ...keys.slice(BULK_PAGE).filter((k) => k !== keys[BULK_PAGE + 10])]);
    },
    T,
  );

  it(
    'a basis locked between pages: its keys leave the listing at once',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      const sys = names(BULK_PAGE + 40, 'a');
      const hidden = names(BULK_PAGE, 'b');
      await fill(s.pddb, 'd', sys);
      await s.pddb.createBasis('hidden', 'pw');
      await s.pddb.unlockBasis('hidden', 'pw');
      await fill(s.pddb, 'd', hidden, 'hidden');
      const page = await pager(kernel.process('reader'), 'd');
      const first = await page();
      expect(keysOf(first)).toEqual(sys.slice(0, BULK_PAGE));
      await s.pddb.lockBasis('hidden');
      expect(await rest(page, sys[BULK_PAGE - 1])).toEqual(sys.slice(BULK_PAGE));
      // Unlocked again: back in the union, from the same place.
      await s.pddb.unlockBasis('hidden', 'pw');
      expect(await rest(page, sys[BULK_PAGE - 1])).toEqual([...sys.slice(BULK_PAGE), ...hidden]);
    },
    T,
  );

  it(
    'a dict deleted between pages: NotFound, and the next read of a new dict of that name starts clean',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      await fill(s.pddb, 'd', names(2 * BULK_PAGE));
      const page = await pager(kernel.process('reader'), 'd');
      const first = keysOf(await page());
      await s.pddb.deleteDict('d');
      expect((await page(first[first.length - 1])).code).toBe(codeNumber('NotFound', 'request'));
      await fill(s.pddb, 'd', ['k900', 'k901']);
      expect(await rest(page, first[first.length - 1])).toEqual(['k900', 'k901']);
    },
    T,
  );

  it(
    'two processes paging the same dict, interleaved, each get the whole dict',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      const keys = names(3 * BULK_PAGE + 7);
      await fill(s.pddb, 'd', keys);
      const pages = [await pager(kernel.process('one'), 'd'), await pager(kernel.process('two'), 'd')];
      const got: string[][] = [[], []];
      const after: (string | undefined)[] = [undefined, undefined];
      const done = [false, false];
      while (!done[0] || !done[1]) {
        for (const i of [0, 1]) {
          if (done[i]) continue;
          const p = await pages[i](after[i]);
          const k = keysOf(p);
          got[i].push(...k);
          after[i] = k[k.length - 1];
          done[i] = !p.more;
        }
      }
      expect(got[0]).toEqual(keys);
      expect(got[1]).toEqual(keys);
    },
    T,
  );

  it(
    'an `after` that is not where the process stopped: from the first key past it',
    async () => {
      const s = await bootServer();
      kernel = s.kernel;
      const keys = names(2 * BULK_PAGE);
      await fill(s.pddb, 'd', keys);
      const page = await pager(kernel.process('reader'), 'd');
      keysOf(await page());
      expect(keysOf(await page('k0105')).slice(0, 2)).toEqual(['k011', 'k012']); // between two keys
      expect(keysOf(await page('k001'))[0]).toBe('k002'); // backwards
      const past = await page('zzz');
      expect(keysOf(past)).toEqual([]);
      expect(past.more).toBe(false);
      // The same `after` with another basis or dict is another read.
      await s.pddb.createBasis('b', 'pw');
      await s.pddb.unlockBasis('b', 'pw');
      await fill(s.pddb, 'd', ['k0005'], 'b');
      const inB = await pager(kernel.process('reader'), 'd', 'b');
      expect(keysOf(await inB())).toEqual(['k0005']);
      expect(keysOf(await page('k000'))[0]).toBe('k0005');
    },
    T,
  );

  it(
    'the dict is listed once per read, not once per page',
    async () => {
      kernel = new Kernel({ mode: 'thread' });
      await kernel.spawn({ name: 'pddb', module: new URL('./spied-server.ts', import.meta.url) });
      const pddb = await Pddb.connect(kernel.process('shell'));
      await pddb.format(PIN, TEST_PDDB_LEN);
      await pddb.tryMount(PIN);
      const keys = names(5 * BULK_PAGE);
      await fill(pddb, 'd', keys);
      const listKeys = vi.spyOn(servers[servers.length - 1].engine!, 'listKeys');
      expect((await pddb.readDict('d')).map((r) => r.key)).toEqual(keys);
      expect(listKeys).toHaveBeenCalledTimes(1);
      expect(dec((await pddb.readDict('d'))[0].value!)).toBe(dec(valueFor(keys[0])));
      expect(listKeys).toHaveBeenCalledTimes(2);
    },
    T,
  );
});
