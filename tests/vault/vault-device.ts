// A booted test device for the vault tests: a real file-backed PDDB image, the PDDB server and the vault servers
// on a Xous-style kernel, and clients for all three. Not a test file itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kernel, type Mode } from '../../transports/ipc/index.ts';
import { Pddb, PDDB_SERVER_MODULE } from '../../pddb/index.ts';
import { TEST_PDDB_LEN } from '../../pddb/format/constants.ts';
import { TotpClient } from '../../vault/totp/client.ts';
import { PasswordsClient } from '../../vault/passwords/client.ts';

export const PIN = '2468';

export interface TestDevice {
  dir: string;
  kernel: Kernel;
  pddb: Pddb;
  totp: TotpClient;
  passwords: PasswordsClient;
  /** Power off (kernel shutdown) and boot again on the same folder. */
  reboot(): Promise<TestDevice>;
  close(): Promise<void>;
}

export async function bootVault(
  opts: { mode?: Mode; dir?: string; format?: boolean; seed?: string } = {},
): Promise<TestDevice> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'pvault-vault-'));
  const kernel = new Kernel({ mode: opts.mode ?? 'thread', trace: true });
  const init = {
    image: { path: join(dir, 'pddb.bin') },
    keyboxPath: join(dir, 'keybox.bin'),
    seed: opts.seed ?? 'vault-test',
  };
  await kernel.spawn({ name: 'pddb', module: PDDB_SERVER_MODULE, init });
  const shell = kernel.process('shell');
  const pddb = await Pddb.connect(shell);
  if (opts.format ?? opts.dir === undefined) await pddb.format(PIN, TEST_PDDB_LEN);
  await pddb.tryMount(PIN);
  await Promise.all([
    kernel.spawn({ name: 'vault-totp', module: new URL('../../vault/totp/server.ts', import.meta.url), init: { dir } }),
    kernel.spawn({
      name: 'vault-passwords',
      module: new URL('../../vault/passwords/server.ts', import.meta.url),
      init: { dir },
    }),
  ]);
  const device: TestDevice = {
    dir,
    kernel,
    pddb,
    totp: await TotpClient.connect(shell),
    passwords: await PasswordsClient.connect(shell),
    async reboot() {
      await pddb.sync();
      await kernel.shutdown();
      return bootVault({ mode: opts.mode, dir, format: false, seed: `${opts.seed ?? 'vault-test'}+` });
    },
    async close() {
      await kernel.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return device;
}
