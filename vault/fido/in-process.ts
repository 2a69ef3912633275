// An authenticator in one call, for tests, benchmarks and embedding: a kernel with the PDDB (in memory or on a
// file), mounted, the ui server and the FIDO server, and clients for each.
import { Kernel, type Mode } from '../../transports/ipc/index.ts';
import { Pddb, PDDB_SERVER_MODULE, type PddbInit } from '../../pddb/index.ts';
import { UiClient } from '../ui/client.ts';
import { FidoClient } from './api.ts';
import type { FidoInit } from './server.ts';
import type { UiInit } from '../ui/server.ts';
import { spawnAuthenticator } from './spawn.ts';

export interface InProcessOptions {
  mode?: Mode;
  /** The PDDB image; a fresh in-memory device of this size by default. */
  image?: PddbInit['image'];
  keyboxPath?: string;
  /** Format the image first (default: when it is in memory). */
  format?: boolean;
  pin?: string;
  seed?: string;
  fido?: FidoInit;
  ui?: UiInit;
  trace?: boolean;
}

export interface InProcessAuthenticator {
  kernel: Kernel;
  /** The shell's PDDB client (unlock bases, inspect what the authenticator stored). */
  pddb: Pddb;
  fido: FidoClient;
  ui: UiClient;
  shutdown(): Promise<void>;
}

export async function startAuthenticator(opts: InProcessOptions = {}): Promise<InProcessAuthenticator> {
  const image = opts.image ?? { memory: 4 * 1024 * 1024 };
  const pin = opts.pin ?? '1234';
  const kernel = new Kernel({ mode: opts.mode ?? 'thread', trace: opts.trace ?? false });
  try {
    const init: PddbInit = { image, keyboxPath: opts.keyboxPath, seed: opts.seed };
    await kernel.spawn({ name: 'pddb', module: PDDB_SERVER_MODULE, init });
    const shell = kernel.process('shell');
    const pddb = await Pddb.connect(shell);
    if (opts.format ?? 'memory' in image) await pddb.format(pin, 'memory' in image ? image.memory : 4 * 1024 * 1024);
    await pddb.tryMount(pin);
    await spawnAuthenticator(kernel, { seed: opts.seed, fido: opts.fido, ui: opts.ui });
    const fido = await FidoClient.connect(shell);
    const ui = await UiClient.connect(shell);
    return { kernel, pddb, fido, ui, shutdown: () => kernel.shutdown() };
  } catch (e) {
    await kernel.shutdown();
    throw e;
  }
}
