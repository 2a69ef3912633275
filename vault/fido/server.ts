// The FIDO server process: the authenticator behind IPC, reaching the PDDB and the ui server as clients. PDDB
// writes are batched and synced once before the response that depends on them.
import type { ProcessContext } from '../../transports/ipc/index.ts';
import { Pddb } from '../../pddb/index.ts';
import { SeededRandom, defaultRandom } from '../../lib/random.ts';
import { UiClient } from '../ui/client.ts';
import { FIDO_SERVER_NAME, FidoOp, fidoOps } from './api.ts';
import { Authenticator, type AttestationMode } from './authenticator.ts';
import { U2f } from './u2f/u2f.ts';

export interface FidoInit {
  /** Seed for a deterministic authenticator (tests, experiments); production uses the CSPRNG. */
  seed?: string;
  attestation?: AttestationMode;
  counter?: 'global' | 'per-credential';
  /** When the device powered up (ms since the epoch); defaults to when this process starts. */
  bootedAt?: number;
  /** Answer the negative-testing vendor command (counter replay/rollback for RP test suites); off by default. */
  negativeTesting?: boolean;
  /** Counter space reserved per flash write (tests: small, to cross reservations often). */
  counterReservation?: number;
}

export default async function fidoProcess(ctx: ProcessContext, init: FidoInit = {}): Promise<void> {
  const random = init.seed !== undefined ? new SeededRandom(init.seed) : defaultRandom;
  const pddb = await Pddb.connect(ctx, { batched: true });
  const ui = await UiClient.connect(ctx);
  const auth = new Authenticator(pddb, ui, random, init);
  const u2f = new U2f(auth);
  await ctx.registerServer({
    name: FIDO_SERVER_NAME,
    opcodes: fidoOps,
    async handle(msg) {
      switch (msg.opcode) {
        case FidoOp.Cbor:
          return msg.respond({ data: await auth.handleCbor(msg.value.data) });
        case FidoOp.Msg:
          return msg.respond({ data: await u2f.handle(msg.value.data) });
      }
    },
  });
}
