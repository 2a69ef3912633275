// Test process: the PDDB server on a file image behind a FaultyFlash (power cut after N mutating flash ops, the cut
// op possibly torn), plus a tiny server answering how many ops the flash has taken and whether the power was cut,
// so a test can aim its cuts at one CTAP command.
import { SeededRandom } from '../../../lib/random.ts';
import { MessageKind, type ProcessContext } from '../../../transports/ipc/index.ts';
import { PDDB_POLLER_NAME, PDDB_SERVER_NAME, pddbOps, pollerOps } from '../../../pddb/api.ts';
import { FaultyFlash } from '../../../pddb/flash/faulty.ts';
import { dispatch } from '../../../pddb/server/dispatch.ts';
import { PddbServer } from '../../../pddb/server/pddb-server.ts';
import { fileStorage } from '../../../pddb/server/storage.ts';

export const FLASH_OPS_SERVER = 'test-flash-ops';
export const flashOps = { 1: { name: 'Ops', kinds: [MessageKind.BlockingScalar], publicArgs: true } } as const;

export default async function faultyPddb(
  ctx: ProcessContext,
  init: { image: string; keybox: string; cutAfterOps?: number },
): Promise<void> {
  const base = fileStorage(init.image, init.keybox);
  let flash: FaultyFlash | undefined;
  const storage = {
    ...base,
    open: () =>
      (flash ??= new FaultyFlash(base.open(), {
        cutAfterOps: init.cutAfterOps,
        torn: 'random',
        random: new SeededRandom('tear'),
      })),
  };
  // Seeded: every run on a copy of the same image takes the same flash ops, so a cut lands where it was aimed.
  const server = new PddbServer(storage, { random: new SeededRandom('faulty-pddb'), dna: 0n });
  await ctx.registerServer({ name: PDDB_SERVER_NAME, opcodes: pddbOps, handle: (msg) => dispatch(server, msg) });
  await ctx.registerServer({ name: PDDB_POLLER_NAME, opcodes: pollerOps, handle: () => [server.mounted ? 1 : 0] });
  await ctx.registerServer({
    name: FLASH_OPS_SERVER,
    opcodes: flashOps,
    handle: () => [flash?.opsSoFar ?? 0, flash?.cut ? 1 : 0],
  });
}
