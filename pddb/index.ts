// The PDDB's public entry, as transports/ipc/index.ts is the kernel's: the client, the IPC contract, the error
// vocabulary, and what a device needs to spawn the server. The engine, flash models and crypto stay behind it
// (tools and experiments may import them from their own files).
export { Pddb, PddbKey, type PddbConnectOptions } from './client.ts';
export {
  PDDB_POLLER_NAME,
  PDDB_SERVER_NAME,
  PddbOp,
  type FormatProgress,
  type GetOptions,
  type KeyAttributes,
  type KeyRecord,
  type PddbStatus,
  type RetentionPolicy,
} from './api.ts';
export { isPddbError, PddbError, type PddbCode } from './errors.ts';
export type { PddbInit } from './server/process.ts';

/** The module to spawn as the PDDB server process: `kernel.spawn({ name: 'pddb', module: PDDB_SERVER_MODULE, init })`. */
export const PDDB_SERVER_MODULE = new URL('./server/process.ts', import.meta.url);
