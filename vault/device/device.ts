// Booting the emulated device: a Xous-style kernel, the PDDB server process on the device folder's image, and a
// shell process whose PDDB client the caller uses. Later issues add the vault servers here.
import { Kernel, type ClientProcess, type Mode } from '../../transports/ipc/index.ts';
import { Pddb } from '../../pddb/client.ts';
import type { PddbInit } from '../../pddb/server.ts';
import { DeviceFolder } from './folder.ts';

export interface BootOptions {
  dir: string;
  mode?: Mode;
  trace?: boolean;
  /** Seed the device's randomness (reproducible experiments); production uses the CSPRNG. */
  seed?: string;
}

export class Device {
  private constructor(
    readonly folder: DeviceFolder,
    readonly kernel: Kernel,
    readonly shell: ClientProcess,
    readonly pddb: Pddb,
    private readonly release: () => void,
  ) {}

  static async boot(opts: BootOptions): Promise<Device> {
    const folder = new DeviceFolder(opts.dir);
    const release = folder.lock();
    const kernel = new Kernel({ mode: opts.mode ?? 'thread', trace: opts.trace ?? false });
    try {
      const init: PddbInit = { image: { path: folder.image }, keyboxPath: folder.keybox, seed: opts.seed };
      await kernel.spawn({ name: 'pddb', module: new URL('../../pddb/server.ts', import.meta.url), init });
      const shell = kernel.process('shell');
      return new Device(folder, kernel, shell, await Pddb.connect(shell), release);
    } catch (e) {
      await kernel.shutdown();
      release();
      throw e;
    }
  }

  /** Sync (when mounted) and power off. */
  async shutdown(): Promise<void> {
    try {
      if (await this.pddb.isMounted()) await this.pddb.sync();
    } finally {
      await this.kernel.shutdown();
      this.release();
    }
  }
}
