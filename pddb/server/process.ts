// The PDDB server process: spawn this module (PDDB_SERVER_MODULE) with a PddbInit. It registers
// "_Plausibly Deniable Database_" and the original's mount poller, "_PDDB Mount Poller_".
import { CryptoRandom, SeededRandom } from '../../lib/random.ts';
import type { ProcessContext } from '../../transports/ipc/index.ts';
import { PDDB_POLLER_NAME, PDDB_SERVER_NAME, pddbOps, pollerOps } from '../api.ts';
import { dispatch } from './dispatch.ts';
import { PddbServer } from './pddb-server.ts';
import { storageFrom, type StorageSpec } from './storage.ts';

export type PddbInit = StorageSpec & {
  /** Seed for a deterministic device (tests, experiments); production uses the CSPRNG. */
  seed?: string;
  /** Device DNA as a decimal string (bigint does not cross structuredClone everywhere). */
  dna?: string;
  /** The key-export capability: ExportKeys answers only requests that carry these bytes. Absent: never. */
  exportCapability?: Uint8Array;
  /** The user confirms every basis is open: a sync may refill FastSpace from a full scan (values over ~8 MiB). */
  allBasesPresent?: boolean;
};

export default async function pddbProcess(ctx: ProcessContext, init: PddbInit): Promise<void> {
  const server = new PddbServer(storageFrom(init), {
    random: init.seed !== undefined ? new SeededRandom(init.seed) : new CryptoRandom(),
    dna: BigInt(init.dna ?? '0'),
    exportCapability: init.exportCapability?.slice(),
    allBasesPresent: init.allBasesPresent === true,
  });
  init.exportCapability?.fill(0);
  await servePddb(ctx, server);
}

/** Register a PDDB server (built on any storage, e.g. a FaultyFlash in tests) under the original's two names. */
export async function servePddb(ctx: ProcessContext, server: PddbServer): Promise<void> {
  await ctx.registerServer({ name: PDDB_SERVER_NAME, opcodes: pddbOps, handle: (msg) => dispatch(server, msg) });
  // The original answers this from a second thread even while the main server is busy mounting.
  await ctx.registerServer({ name: PDDB_POLLER_NAME, opcodes: pollerOps, handle: () => [server.mounted ? 1 : 0] });
}
