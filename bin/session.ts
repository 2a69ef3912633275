// One CLI run against a device folder: boot, mount .System with the boot PIN, unlock the bases named by --basis
// (in order: the last named ends on top), run, then sync and power off so commands chain in a shell script.
import { value, values, flag, type Parsed, UsageError } from './args.ts';
import { basisPasswords } from './secrets.ts';
import { bootPin } from './boot-pin.ts';
import { Device } from '../vault/device/device.ts';
import { DeviceFolder } from '../vault/device/folder.ts';
import type { Mode } from '../transports/ipc/index.ts';

export const DEFAULT_DIR = './.pvault';

export const commonFlags = {
  dir: { value: true },
  json: {},
  help: { short: 'h' },
  mode: { value: true },
  trace: {},
} as const;

export const basisFlags = {
  basis: { value: true, repeat: true },
  password: { value: true, repeat: true },
  'password-stdin': {},
} as const;

export function folderOf(p: Parsed): DeviceFolder {
  return new DeviceFolder(value(p, 'dir') ?? DEFAULT_DIR);
}

export function modeOf(p: Parsed): Mode {
  const m = value(p, 'mode') ?? 'thread';
  if (m !== 'thread' && m !== 'worker') throw new UsageError(`--mode is thread or worker (got '${m}')`);
  return m;
}

/** Boot, mount, unlock --basis bases, run `body`, then sync and power off (also when `body` fails). */
export async function withDevice<T>(p: Parsed, body: (device: Device) => Promise<T>): Promise<T> {
  const folder = folderOf(p);
  if (!folder.formatted) throw new UsageError(`no device in ${folder.dir}: run 'pvault init' first`);
  const bases = values(p, 'basis');
  const passwords = await basisPasswords(p, [...new Set(bases)]);
  const device = await Device.boot({ dir: folder.dir, mode: modeOf(p), trace: flag(p, 'trace') });
  try {
    await device.pddb.tryMount(bootPin(folder));
    for (const name of bases) await device.pddb.unlockBasis(name, passwords.get(name)!);
    const result = await body(device);
    if (flag(p, 'trace')) process.stderr.write(device.kernel.trace.toSequenceDiagram() + '\n');
    return result;
  } finally {
    await device.shutdown();
  }
}

/** The password for a basis a command acts on (basiscreate, basisunlock, basisdelete). */
export async function passwordFor(p: Parsed, name: string): Promise<string> {
  return (await basisPasswords(p, [name])).get(name)!;
}
