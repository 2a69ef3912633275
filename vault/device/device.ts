// Booting the emulated device: a Xous-style kernel, the PDDB server process on the device folder's image, and a
// shell process whose PDDB client the caller uses. Later issues add the vault servers here.
import { Kernel, type ClientProcess, type Mode } from '../../transports/ipc/index.ts';
import { Pddb, PDDB_SERVER_MODULE, type PddbInit } from '../../pddb/index.ts';
import { CryptoRandom, randomBytes } from '../../lib/random.ts';
import { DeviceFolder } from './folder.ts';
import { spawnVaultApps } from '../apps.ts';
import { spawnAuthenticator } from '../fido/spawn.ts';
import type { DeviceLock } from './device-lock.ts';

export interface BootOptions {
  dir: string;
  mode?: Mode;
  trace?: boolean;
  /** Seed the device's randomness (reproducible experiments); production uses the CSPRNG. */
  seed?: string;
  /** The folder's lock, already taken by the caller (who then releases it); otherwise boot takes it. */
  lock?: DeviceLock;
  /** When boot takes the lock: how long to wait for another process to finish with the device. */
  waitMs?: number;
  /** The user confirms every basis is open, so a sync may refill the free-space cache (see EngineOptions). */
  allBasesPresent?: boolean;
}

export class Device {
  private constructor(
    readonly folder: DeviceFolder,
    readonly kernel: Kernel,
    readonly shell: ClientProcess,
    readonly pddb: Pddb,
    private readonly release: () => Promise<void>,
  ) {}

  static async boot(opts: BootOptions): Promise<Device> {
    const folder = new DeviceFolder(opts.dir);
    const lock = opts.lock ?? (await folder.lock(opts.waitMs));
    const release = opts.lock ? async () => {} : () => lock.release();
    const kernel = new Kernel({ mode: opts.mode ?? 'thread', trace: opts.trace ?? false });
    try {
      // Only the shell this device trusts may export keys: it alone gets the capability the server checks.
      const exportCapability = randomBytes(new CryptoRandom(), 32);
      const init: PddbInit = {
        image: { path: folder.image },
        keyboxPath: folder.keybox,
        seed: opts.seed,
        exportCapability,
        allBasesPresent: opts.allBasesPresent,
      };
      await kernel.spawn({ name: 'pddb', module: PDDB_SERVER_MODULE, init });
      await spawnVaultApps(kernel, folder.dir);
      await spawnAuthenticator(kernel, { seed: opts.seed });
      const shell = kernel.process('shell');
      return new Device(folder, kernel, shell, await Pddb.connect(shell, { exportCapability }), release);
    } catch (e) {
      await kernel.shutdown();
      await release();
      throw e;
    }
  }

  /** Sync (when mounted) and power off. */
  async shutdown(): Promise<void> {
    try {
      if (await this.pddb.isMounted()) await this.pddb.sync();
    } finally {
      await this.kernel.shutdown();
      await this.release();
    }
  }
}
