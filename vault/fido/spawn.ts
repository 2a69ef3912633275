// Spawning the authenticator's two processes on a kernel that already runs the PDDB: the ui server (presence) and
// the FIDO server. The device calls this at boot; tests and benchmarks through in-process.ts.
import type { Kernel } from '../../transports/ipc/index.ts';
import type { FidoInit } from './server.ts';
import type { UiInit } from '../ui/server.ts';

export const UI_SERVER_MODULE = new URL('../ui/server.ts', import.meta.url);
export const FIDO_SERVER_MODULE = new URL('./server.ts', import.meta.url);

export async function spawnAuthenticator(
  kernel: Kernel,
  opts: { seed?: string; fido?: FidoInit; ui?: UiInit } = {},
): Promise<void> {
  await kernel.spawn({ name: 'ui', module: UI_SERVER_MODULE, init: opts.ui ?? {} });
  const seed = opts.seed === undefined ? undefined : `${opts.seed}/fido`;
  await kernel.spawn({ name: 'fido', module: FIDO_SERVER_MODULE, init: { seed, ...opts.fido } });
}
