// Durability as the original promises it: a write is on flash when WriteKey returns (here: the affected basis's
// dirty pages, copy-on-write). Batched handles keep writes in memory until a sync, for bulk work.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Kernel } from '../../transports/ipc/index.ts';
import { isPddbError } from '../../pddb/index.ts';
import { TEST_PDDB_LEN } from '../../pddb/format/constants.ts';
import { bootServer, dec, enc, PIN } from './server-boot.ts';

let kernel: Kernel | undefined;
let dir: string;
afterEach(async () => {
  await kernel?.shutdown();
  kernel = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const T = 60_000;

/** Boot on the folder's files; the kernel is shut down without any sync (a power cut for what is in memory). */
async function boot(first: boolean) {
  const init = { image: { path: join(dir, 'pddb.bin') }, keyboxPath: join(dir, 'keybox.bin'), seed: first ? 'a' : 'b' };
  const s = await bootServer({ init, format: false });
  kernel = s.kernel;
  if (first) await s.pddb.format(PIN, TEST_PDDB_LEN);
  await s.pddb.tryMount(PIN);
  return s.pddb;
}

async function cut() {
  await kernel!.shutdown();
  kernel = undefined;
}

describe('PDDB durability', () => {
  it(
    'writes, truncates and deletes are on flash when they return; batched ones only after a sync',
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'pvault-durable-'));
      let pddb = await boot(true);
      await pddb.createBasis('b', 'pw');
      await pddb.unlockBasis('b', 'pw');
      await (await pddb.get('d', 'durable', { createDict: true, createKey: true })).write(enc('kept'));
      const t = await pddb.get('d', 'cut', { createKey: true });
      await t.write(enc('0123456789'));
      await t.truncate(4);
      await (await pddb.get('d', 'gone', { createKey: true })).write(enc('x'));
      await pddb.deleteKey('d', 'gone');
      await (await pddb.get('d', 'batched', { createKey: true, batched: true })).write(enc('lost'));
      await cut();

      pddb = await boot(false);
      await pddb.unlockBasis('b', 'pw');
      expect(dec(await (await pddb.get('d', 'durable')).readAll())).toBe('kept');
      expect(dec(await (await pddb.get('d', 'cut')).readAll())).toBe('0123');
      await expect(pddb.get('d', 'gone')).rejects.toSatisfy((e) => isPddbError(e, 'NotFound'));
      await expect(pddb.get('d', 'batched')).rejects.toSatisfy((e) => isPddbError(e, 'NotFound'));

      // Batched writes become durable at a sync (or a handle's flush).
      const bulk = await pddb.get('d', 'bulk', { createKey: true, batched: true });
      await bulk.write(enc('import'));
      await bulk.flush();
      await cut();
      pddb = await boot(false);
      await pddb.unlockBasis('b', 'pw');
      expect(dec(await (await pddb.get('d', 'bulk')).readAll())).toBe('import');
    },
    T,
  );

  it(
    'one write() of many chunks is one commit: a large value is not copied again for every chunk',
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'pvault-durable-'));
      const pddb = await boot(true);
      const value = new Uint8Array(300_000).map((_, i) => i * 7);
      const programsOf = async (write: () => Promise<void>) => {
        const before = (await pddb.status()).programs;
        await write();
        return (await pddb.status()).programs - before;
      };
      const durable = await pddb.get('d', 'big', { createDict: true, createKey: true });
      await durable.write(value);
      // Overwriting a large key moves it whole (copy-on-write): with a sync per 60 KiB chunk that would be five copies.
      durable.seek(0);
      const oneCall = await programsOf(() => durable.write(value.map((b) => b ^ 1)));
      const batched = await pddb.get('d', 'big', { batched: true });
      const oneSync = await programsOf(async () => {
        await batched.write(value);
        await batched.flush();
      });
      expect(oneCall).toBeLessThan(oneSync * 1.5);
      durable.seek(0);
      expect(Buffer.from(await durable.read(value.length)).equals(Buffer.from(value))).toBe(true);
    },
    T,
  );
});
