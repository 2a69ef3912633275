// A PDDB server process (thread mode) whose PddbServer object the test can reach, to count what the real engine is
// asked (not a test file). Storage is an in-memory image.
import type { ProcessContext } from '../../transports/ipc/index.ts';
import { PddbServer } from '../../pddb/server/pddb-server.ts';
import { servePddb } from '../../pddb/server/process.ts';
import { storageFrom } from '../../pddb/server/storage.ts';
import { TEST_PDDB_LEN } from '../../pddb/format/constants.ts';
import { SeededRandom } from '../../lib/random.ts';

/** Every server this module started, newest last. */
export const servers: PddbServer[] = [];

export default async function spiedPddb(ctx: ProcessContext): Promise<void> {
  const server = new PddbServer(storageFrom({ image: { memory: TEST_PDDB_LEN } }), {
    random: new SeededRandom('spied'),
    dna: 0n,
  });
  servers.push(server);
  await servePddb(ctx, server);
}
