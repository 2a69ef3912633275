// A PDDB server process over an in-memory FaultyFlash (not a test file): power is cut during the Nth flash
// mutation. Thread mode only: the test reads the surviving image through `flashes`.
import type { ProcessContext } from '../../../transports/ipc/index.ts';
import { PDDB_POLLER_NAME, PDDB_SERVER_NAME, pddbOps, pollerOps } from '../../../pddb/api.ts';
import { dispatch } from '../../../pddb/server/dispatch.ts';
import { PddbServer } from '../../../pddb/server/pddb-server.ts';
import { FaultyFlash } from '../../../pddb/flash/faulty.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { SeededRandom } from '../../../lib/random.ts';

export interface FaultyInit {
  image?: Uint8Array;
  keybox?: Uint8Array;
  cutAfterOps?: number;
}

/** Every flash this module made, newest last, and the keybox written at format. */
export const flashes: FaultyFlash[] = [];
export const keyboxes: Uint8Array[] = [];

export default async function faultyPddb(ctx: ProcessContext, init: FaultyInit): Promise<void> {
  const wrap = (m: MemoryFlash) => {
    const f = new FaultyFlash(m, { cutAfterOps: init.cutAfterOps });
    flashes.push(f);
    return f;
  };
  let keybox = init.keybox;
  const server = new PddbServer(
    {
      open: () => wrap(MemoryFlash.from(init.image!)),
      create: (size) => wrap(new MemoryFlash(size)),
      readKeybox: () => keybox!,
      writeKeybox: (k) => {
        keybox = k.slice();
        keyboxes.push(keybox);
      },
    },
    { random: new SeededRandom('faulty'), dna: 0n },
  );
  await ctx.registerServer({ name: PDDB_SERVER_NAME, opcodes: pddbOps, handle: (msg) => dispatch(server, msg) });
  await ctx.registerServer({ name: PDDB_POLLER_NAME, opcodes: pollerOps, handle: () => [server.mounted ? 1 : 0] });
}
