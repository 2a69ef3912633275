// What durable writes cost (a PDDB case of `npm run bench -- pddb`): a small-key overwrite through the server over
// IPC (thread mode), durable on return (the default: the affected basis's dirty pages synced copy-on-write), and
// batched (100 writes, then one sync), against the engine doing the same write + sync directly. Samples of each
// alternate with samples of the floor, so load on a shared machine hits both alike.
import { performance } from 'node:perf_hooks';
import { Kernel } from '../../transports/ipc/index.ts';
import { Pddb, PDDB_SERVER_MODULE, type PddbKey } from '../../pddb/index.ts';
import { PddbEngine } from '../../pddb/engine/engine.ts';
import { formatFlash } from '../../pddb/engine/format.ts';
import { MemoryFlash } from '../../pddb/flash/memory.ts';
import { TEST_PDDB_LEN } from '../../pddb/format/constants.ts';
import { CryptoRandom } from '../../lib/random.ts';
import { median, report } from '../harness.ts';

const SUITE = 'pddb';
const PIN = '1234';
const KEYS = 100;
const VALUE = new Uint8Array(64).fill(0x5a);
const WARMUP = 20;
const SAMPLES = 200;

export async function durabilityBench(): Promise<void> {
  const direct = engineWriteSync();
  const kernel = new Kernel({ mode: 'thread' });
  try {
    await kernel.spawn({ name: 'pddb', module: PDDB_SERVER_MODULE, init: { image: { memory: TEST_PDDB_LEN } } });
    const pddb = await Pddb.connect(kernel.process('bench'));
    await pddb.format(PIN, TEST_PDDB_LEN);
    await pddb.tryMount(PIN);
    await pddb.createBasis('b', 'password');
    await pddb.unlockBasis('b', 'password');
    const durable = await keys(pddb, 'durable', false);
    const batched = await keys(pddb, 'batched', true);
    const floor: number[] = [];
    const durableUs: number[] = [];
    const batchUs: number[] = [];
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      const f = timeOne(() => direct(i));
      const d = await timeOneAsync(() => overwrite(durable[i % KEYS]));
      if (i < WARMUP) continue;
      floor.push(f);
      durableUs.push(d);
      if (i % 10 === 0) {
        batchUs.push(
          (await timeOneAsync(async () => {
            for (const h of batched) await overwrite(h);
            await pddb.sync();
          })) / KEYS,
        );
      }
    }
    const baseline = { name: 'engine write + sync, direct (alternate samples)', value: median(floor) };
    report(SUITE, 'small-key write over IPC, durable on return (default)', median(durableUs), 'us', baseline);
    report(
      SUITE,
      `small-key write over IPC, batched (${KEYS} writes + one sync), per write`,
      median(batchUs),
      'us',
      baseline,
    );
  } finally {
    await kernel.shutdown();
  }
}

async function keys(pddb: Pddb, dict: string, batched: boolean): Promise<PddbKey[]> {
  const out: PddbKey[] = [];
  for (let k = 0; k < KEYS; k++)
    out.push(await pddb.get(dict, `k${k}`, { createDict: true, createKey: true, batched }));
  await pddb.sync();
  return out;
}

function overwrite(h: PddbKey): Promise<void> {
  h.position = 0;
  return h.write(VALUE);
}

/** The floor: the engine overwriting one of 100 small keys of a secret basis and syncing, no IPC. */
function engineWriteSync(): (i: number) => void {
  const flash = new MemoryFlash(TEST_PDDB_LEN);
  const keybox = formatFlash(flash, { pin: PIN, random: new CryptoRandom() });
  const engine = PddbEngine.mount(flash, keybox, PIN);
  engine.createBasis('b', 'password');
  engine.unlockBasis('b', 'password');
  const handles = Array.from({ length: KEYS }, (_, k) =>
    engine.get('d', `k${k}`, { createDict: true, createKey: true }),
  );
  engine.sync();
  return (i) => {
    engine.write(handles[i % KEYS], 0, VALUE);
    engine.sync();
  };
}

function timeOne(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) * 1000;
}

async function timeOneAsync(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) * 1000;
}
