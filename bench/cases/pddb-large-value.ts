// A value past the free-space cache (a PDDB case of `npm run bench -- pddb`): 20 MiB written and synced on a 98 MiB
// device with EngineOptions.allBasesPresent (the cache lists at most 2041 pages, ~8 MiB; the commit refills it from
// full scans as it goes), against GCM-SIV encryption of as many pages in the same run (the floor: every page of the
// value is sealed once).
import { performance } from 'node:perf_hooks';
import { gcmsivEncrypt } from '../../pddb/crypto/gcmsiv.ts';
import { PddbEngine } from '../../pddb/engine/engine.ts';
import { formatFlash } from '../../pddb/engine/format.ts';
import { MemoryFlash } from '../../pddb/flash/memory.ts';
import { PRECURSOR_PDDB_LEN, VPAGE_SIZE } from '../../pddb/format/constants.ts';
import { CryptoRandom } from '../../lib/random.ts';
import { report } from '../harness.ts';

const SUITE = 'pddb';
const PIN = '1234';
const VALUE_BYTES = 20 * 1024 * 1024;

export function largeValueBench(): void {
  const random = new CryptoRandom();
  const flash = new MemoryFlash(PRECURSOR_PDDB_LEN);
  const keybox = formatFlash(flash, { pin: PIN, random });
  const engine = PddbEngine.mount(flash, keybox, PIN, { random, allBasesPresent: true });
  const value = random.fill(new Uint8Array(VALUE_BYTES));
  const before = engine.stats.sealed;
  const t0 = performance.now();
  engine.write(engine.get('big', 'v', { createDict: true, createKey: true }), 0, value);
  engine.sync();
  const took = performance.now() - t0;
  const sealed = engine.stats.sealed - before;
  const check = engine.readAll(engine.get('big', 'v'));
  if (!Buffer.from(check).equals(Buffer.from(value))) throw new Error('the 20 MiB value did not read back');

  const key = new Uint8Array(32).fill(1);
  const page = new Uint8Array(VPAGE_SIZE + 4);
  const t1 = performance.now();
  for (let i = 0; i < sealed; i++) gcmsivEncrypt(key, new Uint8Array(12), page, new Uint8Array(20));
  const floor = performance.now() - t1;
  report(SUITE, `20 MiB value write + sync on 98 MiB, allBasesPresent (${sealed} pages sealed)`, took, 'ms', {
    name: `GCM-SIV encryption of ${sealed} pages`,
    value: floor,
  });
}
