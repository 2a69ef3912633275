// Plain-JS entry of a process worker. The kernel's thread may run under vitest or `node --import tsx`, and a worker
// starts with neither's loader, so register tsx here, then load the TypeScript host (worker/host.ts).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.host);
