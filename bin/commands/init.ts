// `pvault init`: format a device folder (pddb.bin + keybox.bin) through the PDDB server.
import { flag, parseArgs, value, UsageError } from '../args.ts';
import { makeOut, progressBar, type Out } from '../output.ts';
import { commonFlags, folderOf, modeOf } from '../session.ts';
import { newDevicePin, storedPinPath } from '../boot-pin.ts';
import { Device } from '../../vault/device/device.ts';
import type { DeviceFolder } from '../../vault/device/folder.ts';
import { PRECURSOR_PDDB_LEN, TEST_PDDB_LEN } from '../../pddb/format/constants.ts';
import type { Mode } from '../../transports/ipc/index.ts';

export const INIT_HELP = `usage: pvault init [--dir DIR] [--size BYTES|4MiB|98MiB] [--preset test|precursor] [--force] [--json]

Formats a new device folder: pddb.bin (the raw PDDB region, Xous v0x201 layout) and keybox.bin (1024 bytes, the
Xous keyrom layout). The boot PIN comes from PVAULT_PIN; without it a 6-digit PIN is generated, printed once, and
kept in DIR/boot-pin.emulator-only (an emulator convenience: a real device never stores its PIN).
Default size: the Precursor's 98 MiB. --force replaces an existing device (its data is lost).
`;

export async function initCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, { ...commonFlags, size: { value: true }, preset: { value: true }, force: {} });
  if (flag(p, 'help')) return void process.stdout.write(INIT_HELP);
  if (p.positionals.length > 0) throw new UsageError(`unexpected argument '${p.positionals[0]}'`);
  const folder = folderOf(p);
  if (folder.formatted && !flag(p, 'force')) throw new UsageError(`${folder.dir} already holds a device (--force replaces it)`);
  const size = sizeOf(value(p, 'size'), value(p, 'preset'));
  const out = makeOut(flag(p, 'json'));
  await formatDevice(folder, size, modeOf(p), out);
}

/** Format through the PDDB server with a progress bar; returns once the image is ready to mount. */
export async function formatDevice(folder: DeviceFolder, size: number, mode: Mode, out: Out): Promise<void> {
  folder.ensure();
  const { pin, generated } = newDevicePin(folder);
  const device = await Device.boot({ dir: folder.dir, mode });
  try {
    await device.pddb.format(pin, size, out.json ? undefined : ({ done, total }) => bar(done, total));
  } finally {
    await device.shutdown();
  }
  out.result({ ok: true, dir: folder.dir, size, pinGenerated: generated, pin: generated ? pin : undefined }, () => {
    out.info(`formatted ${folder.dir}: ${size} bytes`);
    if (generated) {
      out.info(`boot PIN (generated, shown once): ${pin}`);
      out.info(`  EMULATOR-ONLY: also kept in ${storedPinPath(folder)}; set PVAULT_PIN to choose your own`);
    }
  });
}

const bar = progressBar('formatting');

export function sizeOf(size: string | undefined, preset: string | undefined): number {
  if (size !== undefined && preset !== undefined) throw new UsageError('give --size or --preset, not both');
  if (preset !== undefined) {
    if (preset === 'precursor') return PRECURSOR_PDDB_LEN;
    if (preset === 'test') return TEST_PDDB_LEN;
    throw new UsageError(`unknown preset '${preset}' (test = 4 MiB, precursor = 98 MiB)`);
  }
  if (size === undefined) return PRECURSOR_PDDB_LEN;
  const m = /^(\d+)(KiB|MiB)?$/.exec(size);
  if (!m) throw new UsageError(`--size takes BYTES, NKiB or NMiB (got '${size}')`);
  const bytes = Number(m[1]) * (m[2] === 'MiB' ? 1 << 20 : m[2] === 'KiB' ? 1024 : 1);
  if (bytes % 4096 !== 0 || bytes < 1 << 20) throw new UsageError('--size must be a multiple of 4096 and at least 1 MiB');
  return bytes;
}

