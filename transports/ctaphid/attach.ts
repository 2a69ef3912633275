// Attach CTAPHID to a running device: one channel machine over the FIDO and ui servers (through a process's IPC
// clients), listening on every address given. `pvault serve`, the WebAuthn tests and the benchmarks use it.
import type { ClientProcess } from '../ipc/index.ts';
import { FidoClient } from '../../vault/fido/api.ts';
import { UiClient } from '../../vault/ui/client.ts';
import { FidoBackend } from './backend.ts';
import { CtaphidDevice, type CtaphidDeviceOptions } from './channels.ts';
import { CtaphidSocketServer } from './socket-server.ts';

export interface AttachedCtaphid {
  device: CtaphidDevice;
  listeners: CtaphidSocketServer[];
  /** Stop listening, drop every host, and wait for a running request to end. */
  close(): Promise<void>;
}

export async function attachCtaphid(
  proc: ClientProcess,
  addresses: string[],
  opts: CtaphidDeviceOptions = {},
): Promise<AttachedCtaphid> {
  const backend = new FidoBackend(await FidoClient.connect(proc), await UiClient.connect(proc));
  const device = new CtaphidDevice(backend, opts);
  const listeners: CtaphidSocketServer[] = [];
  const close = async () => {
    await Promise.all(listeners.map((l) => l.close()));
    await device.idle();
  };
  try {
    for (const a of addresses) listeners.push(await CtaphidSocketServer.listen(device, a));
  } catch (e) {
    await close();
    throw e;
  }
  return { device, listeners, close };
}
