// The device lock's keeper, in its own worker thread: proper-lockfile holds the lock directory and refreshes its
// mtime on a timer, which must keep ticking while the main thread is busy in a long synchronous PDDB operation
// (thread mode runs the engine there). A holder that dies stops refreshing, and the lock goes stale.
// Plain JavaScript: it runs without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import lockfile from 'proper-lockfile';

const { lockDir, stale, update, waitMs } = workerData;
const deadline = Date.now() + waitMs;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let release = null;
while (!release) {
  try {
    release = await lockfile.lock(lockDir, {
      realpath: false,
      lockfilePath: lockDir,
      stale,
      update,
      onCompromised: (e) => parentPort.postMessage({ compromised: e.message }),
    });
  } catch (e) {
    if (e.code !== 'ELOCKED' || Date.now() >= deadline) {
      parentPort.postMessage({ locked: false, code: e.code ?? 'EIO', message: e.message });
      break;
    }
    // Jittered so queued writers do not retry in lockstep.
    await sleep(Math.min(50 + Math.random() * 200, Math.max(1, deadline - Date.now())));
  }
}
if (release) {
  parentPort.postMessage({ locked: true });
  parentPort.once('message', async () => {
    let error;
    try {
      await release();
    } catch (e) {
      error = e.message;
    }
    parentPort.postMessage({ released: true, error });
  });
}
