// Test helper: a kernel with the PDDB server on an in-memory (or file) image, formatted and mounted.
import { Kernel, type ClientProcess, type Mode } from '../../transports/ipc/index.ts';
import {
  Pddb,
  PDDB_SERVER_MODULE,
  PDDB_SERVER_NAME,
  type PddbConnectOptions,
  type PddbInit,
} from '../../pddb/index.ts';
import { pddbOps } from '../../pddb/api.ts';
import { TEST_PDDB_LEN } from '../../pddb/format/constants.ts';

export const PIN = '2468';

export async function bootServer(
  opts: { mode?: Mode; init?: Partial<PddbInit>; format?: boolean; mount?: boolean; connect?: PddbConnectOptions } = {},
) {
  const kernel = new Kernel({ mode: opts.mode ?? 'thread', trace: true });
  const init: PddbInit = { image: { memory: TEST_PDDB_LEN }, seed: 'server-test', ...opts.init } as PddbInit;
  await kernel.spawn({ name: 'pddb', module: PDDB_SERVER_MODULE, init });
  const shell = kernel.process('shell');
  const pddb = await Pddb.connect(shell, opts.connect);
  if (opts.format !== false) await pddb.format(PIN, TEST_PDDB_LEN);
  if (opts.format !== false && opts.mount !== false) await pddb.tryMount(PIN);
  return { kernel, shell, pddb };
}

/** A raw connection to the PDDB server from a process, for messages the typed client never sends. */
export function rawConnection(proc: ClientProcess) {
  return proc.connect(PDDB_SERVER_NAME, { api: pddbOps });
}

export const enc = (s: string) => new TextEncoder().encode(s);
export const dec = (b: Uint8Array) => new TextDecoder().decode(b);
