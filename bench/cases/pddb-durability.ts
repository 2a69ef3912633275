// What durable writes cost (a PDDB case of `npm run bench -- pddb`): a small-key overwrite through the server over
// IPC (thread mode), durable on return (the default: the affected basis's dirty pages synced copy-on-write), and
// batched (100 writes, then one sync), each against the engine doing the same write + sync directly in this run.
import { Kernel } from '../../transports/ipc/index.ts';
import { Pddb, PDDB_SERVER_MODULE, type PddbKey } from '../../pddb/index.ts';
import { PddbEngine } from '../../pddb/engine/engine.ts';
import { formatFlash } from '../../pddb/engine/format.ts';
import { MemoryFlash } from '../../pddb/flash/memory.ts';
import { TEST_PDDB_LEN } from '../../pddb/format/constants.ts';
import { CryptoRandom } from '../../lib/random.ts';
import { report, timeUs } from '../harness.ts';

const SUITE = 'pddb';
const PIN = '1234';
const KEYS = 100;
const VALUE = new Uint8Array(64).fill(0x5a);

export async function durabilityBench(): Promise<void> {
  const direct = await engineWriteSync();
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
    let i = 0;
    const durableUs = await timeUs(() => overwrite(durable[i++ % KEYS]), { warmup: 20, runs: 200 });
    const batchUs = await timeUs(
      async () => {
        for (const h of batched) await overwrite(h);
        await pddb.sync();
      },
      { warmup: 2, runs: 15 },
    );
    const baseline = { name: 'engine write + sync, direct (same run)', value: direct };
    report(SUITE, 'small-key write over IPC, durable on return (default)', durableUs, 'us', baseline);
    report(SUITE, `small-key write over IPC, batched (${KEYS} writes + one sync), per write`, batchUs / KEYS, 'us', baseline);
  } finally {
    await kernel.shutdown();
  }
}

async function keys(pddb: Pddb, dict: string, batched: boolean): Promise<PddbKey[]> {
  const out: PddbKey[] = [];
  for (let k = 0; k < KEYS; k++) out.push(await pddb.get(dict, `k${k}`, { createDict: true, createKey: true, batched }));
  await pddb.sync();
  return out;
}

function overwrite(h: PddbKey): Promise<void> {
  h.position = 0;
  return h.write(VALUE);
}

/** The floor: the engine overwriting one of 100 small keys of a secret basis and syncing, no IPC. */
async function engineWriteSync(): Promise<number> {
  const flash = new MemoryFlash(TEST_PDDB_LEN);
  const keybox = formatFlash(flash, { pin: PIN, random: new CryptoRandom() });
  const engine = PddbEngine.mount(flash, keybox, PIN);
  engine.createBasis('b', 'password');
  engine.unlockBasis('b', 'password');
  const handles = Array.from({ length: KEYS }, (_, k) => engine.get('d', `k${k}`, { createDict: true, createKey: true }));
  engine.sync();
  let i = 0;
  return timeUs(
    () => {
      engine.write(handles[i++ % KEYS], 0, VALUE);
      engine.sync();
    },
    { warmup: 20, runs: 200 },
  );
}
