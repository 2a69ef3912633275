// One process at a time per device folder, like one USB device in one host. The lock is a directory made
// atomically (mkdir) by proper-lockfile, kept fresh from a worker thread (lock-keeper.mjs); a lock whose holder
// died (SIGKILL, power cut) goes stale STALE_MS after its last refresh and is then taken over. `pvault.owner`
// beside it names the holder's PID, for messages only: ownership is the directory alone.
import { readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** A lock not refreshed for this long belongs to a dead process. */
export const STALE_MS = 5000;
const UPDATE_MS = 1000;

const KEEPER = new URL('./lock-keeper.mjs', import.meta.url);

export class DeviceBusy extends Error {
  override name = 'DeviceBusy';
}

type KeeperMessage =
  | { locked: true }
  | { locked: false; code: string; message: string }
  | { compromised: string }
  | { released: true; error?: string };

export class DeviceLock {
  private released = false;
  private readonly onExit = () => this.releaseSync();
  /** Ctrl-C or a kill: let go of the device first (no stale wait for the next command), then die of the signal. */
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.releaseSync();
    process.kill(process.pid, signal);
  };

  private constructor(
    private readonly dir: string,
    private readonly keeper: Worker,
  ) {
    process.once('exit', this.onExit);
    for (const signal of SIGNALS) process.once(signal, this.onSignal);
  }

  static lockDir(dir: string): string {
    return join(dir, 'pvault.lock');
  }

  /** Take the lock of the device folder `dir` (which must exist), waiting up to `waitMs` for a holder to finish. */
  static async acquire(dir: string, waitMs = 0): Promise<DeviceLock> {
    const lockDir = DeviceLock.lockDir(dir);
    removeLegacyLock(lockDir);
    // Plain JavaScript: no loader flags of the parent (tsx) are needed, and loading them would slow every start.
    const keeper = new Worker(KEEPER, {
      workerData: { lockDir, stale: STALE_MS, update: UPDATE_MS, waitMs },
      execArgv: [],
    });
    const first = await new Promise<KeeperMessage>((resolve, reject) => {
      keeper.once('message', resolve);
      keeper.once('error', reject);
    });
    if ('locked' in first && first.locked) {
      const lock = new DeviceLock(dir, keeper);
      keeper.on('message', (m: KeeperMessage) => {
        // Only a refresh that failed for STALE_MS gets here; the holder can do nothing safe but say so.
        if ('compromised' in m)
          process.stderr.write(`pvault: WARNING: lost the device lock of ${dir}: ${m.compromised}\n`);
      });
      keeper.unref();
      writeFileSync(join(dir, 'pvault.owner'), `${process.pid}\n`, { mode: 0o600 });
      return lock;
    }
    await keeper.terminate();
    const failure = first as { code: string; message: string };
    if (failure.code === 'ELOCKED') throw new DeviceBusy(busyMessage(dir, waitMs));
    throw new DeviceBusy(`could not lock the device in ${dir}: ${failure.code}`);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.unhook();
    rmSync(join(this.dir, 'pvault.owner'), { force: true });
    // A keeper that died cannot answer: its exit ends the wait too (the lock then goes stale on its own).
    const done = new Promise<void>((resolve) => {
      this.keeper.once('message', () => resolve());
      this.keeper.once('exit', () => resolve());
    });
    this.keeper.ref();
    this.keeper.postMessage('release');
    await done;
    await this.keeper.terminate();
  }

  /** A long-running holder (pvault serve) that handles signals itself: it syncs first, then releases. */
  keepThroughSignals(): void {
    for (const signal of SIGNALS) process.off(signal, this.onSignal);
  }

  private unhook(): void {
    process.off('exit', this.onExit);
    for (const signal of SIGNALS) process.off(signal, this.onSignal);
  }

  /** At process exit (an uncaught error) there is no event loop left: remove the lock directory directly. */
  private releaseSync(): void {
    if (this.released) return;
    this.released = true;
    this.unhook();
    rmSync(join(this.dir, 'pvault.owner'), { force: true });
    try {
      rmdirSync(DeviceLock.lockDir(this.dir));
    } catch {
      // Already gone (taken over as stale): nothing of ours to remove.
    }
  }
}

/**
 * Before this lock, pvault kept its PID in a regular file of the same name. Such a file left by a process that no
 * longer runs is removed; one whose process runs means an older pvault has the device.
 */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function removeLegacyLock(lockDir: string): void {
  if (!statSync(lockDir, { throwIfNoEntry: false })?.isFile()) return;
  const pid = Number(readFileSync(lockDir, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    throw new DeviceBusy(`the device in ${dirname(lockDir)} is in use by process ${pid} (an older pvault)`);
  }
  rmSync(lockDir, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function busyMessage(dir: string, waitMs: number): string {
  const holder = ownerPid(dir);
  const waited = waitMs > 0 ? ` (waited ${Math.round(waitMs / 1000)} s)` : '';
  if (holder !== undefined && !isAlive(holder)) {
    return (
      `the device in ${dir} is locked by process ${holder}, which no longer runs${waited}: its lock is taken over ` +
      `${STALE_MS / 1000} s after its last refresh; --wait [SECONDS] queues for it`
    );
  }
  const who = holder === undefined ? 'another process' : `process ${holder}`;
  return `the device in ${dir} is in use by ${who}${waited}; --wait [SECONDS] queues for it`;
}

function ownerPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'pvault.owner'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
