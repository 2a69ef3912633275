// One CLI run against a device folder: take the device (waiting with --wait), check the folder, boot, mount .System
// with the boot PIN, unlock the bases named by --basis (in order: the last named ends on top), run, then sync and
// power off so commands chain in a shell script. The result is returned only once the device is off.
import { existsSync } from 'node:fs';
import { value, values, flag, type Parsed, type FlagSpec, UsageError } from './args.ts';
import { basisPasswords } from './secrets.ts';
import { bootPin } from './boot-pin.ts';
import { Device } from '../vault/device/device.ts';
import { DeviceFolder } from '../vault/device/folder.ts';
import type { DeviceLock } from '../vault/device/device-lock.ts';
import { withPinAttempt } from '../vault/device/pin-attempts.ts';
import type { Mode } from '../transports/ipc/index.ts';
import { outputMode, io } from './output.ts';
import { forwardIfServed, onServedDevice } from './remote.ts';

export const DEFAULT_DIR = './.pvault';
/** `--wait` without a number. */
const DEFAULT_WAIT_S = 60;

export const commonFlags = {
  dir: { value: true },
  json: {},
  help: { short: 'h' },
  mode: { value: true },
  trace: {},
  wait: { optionalNumber: true },
} as const satisfies Record<string, FlagSpec>;

export const basisFlags = {
  basis: { value: true, repeat: true },
  password: { value: true, repeat: true },
  'password-stdin': {},
} as const satisfies Record<string, FlagSpec>;

/** Record the output mode as soon as the flags are parsed, so that a failure prints in the same mode. */
export function noteOutputMode(p: Parsed): void {
  outputMode.json = flag(p, 'json');
}

export function folderOf(p: Parsed): DeviceFolder {
  return new DeviceFolder(value(p, 'dir') ?? DEFAULT_DIR);
}

export function modeOf(p: Parsed): Mode {
  const m = value(p, 'mode') ?? 'thread';
  if (m !== 'thread' && m !== 'worker') throw new UsageError(`--mode is thread or worker (got '${m}')`);
  return m;
}

/** --wait [SECONDS] in milliseconds (0 without the flag: fail at once when the device is in use). */
export function waitOf(p: Parsed): number {
  const v = value(p, 'wait');
  if (v === undefined) return 0;
  if (v === '') return DEFAULT_WAIT_S * 1000;
  const s = Number(v);
  if (!Number.isFinite(s) || s < 0 || s > 86_400) throw new UsageError('--wait takes a number of seconds (0 to 86400)');
  return Math.round(s * 1000);
}

/** Take the device folder's lock for the whole of `body` (init and start check the folder under it). */
export async function withLock<T>(p: Parsed, body: (folder: DeviceFolder, lock: DeviceLock) => Promise<T>): Promise<T> {
  const folder = folderOf(p);
  const lock = await folder.lock(waitOf(p));
  try {
    return await body(folder, lock);
  } finally {
    await lock.release();
  }
}

/** Boot a checked device folder under `lock` and mount .System, counting the PIN attempt. */
export async function bootMounted(
  folder: DeviceFolder,
  lock: DeviceLock,
  mode: Mode,
  trace: boolean,
  allBasesPresent = false,
): Promise<Device> {
  folder.checkDevice();
  const pin = bootPin(folder);
  const device = await Device.boot({ dir: folder.dir, mode, trace, lock, allBasesPresent });
  try {
    await withPinAttempt(folder, () => device.pddb.tryMount(pin));
    return device;
  } catch (e) {
    await device.shutdown();
    throw e;
  }
}

/**
 * Boot, mount, unlock --basis bases, run `body`, then sync and power off (also when `body` fails). `afterPowerOff`
 * runs on the result while the device is still locked (to copy its now complete files).
 */
export async function withDevice<T>(
  p: Parsed,
  body: (device: Device) => Promise<T>,
  afterPowerOff?: (result: T) => void,
): Promise<T> {
  // In `pvault serve`, for a command another process sent: the served device. Elsewhere, a served folder runs it.
  if (served) return onServedDevice(served, folderOf(p).dir, p, body, afterPowerOff !== undefined);
  await forwardIfServed(folderOf(p).dir, p, afterPowerOff !== undefined);
  const bases = values(p, 'basis');
  const passwords = await basisPasswords(p, [...new Set(bases)]);
  const noDevice = (dir: string) => new UsageError(`no device in ${dir}: run 'pvault init' first`);
  // Taking the lock creates the folder: a mistyped --dir must not leave one behind.
  if (!existsSync(folderOf(p).dir)) throw noDevice(folderOf(p).dir);
  return withLock(p, async (folder, lock) => {
    if (folder.state() === 'empty') throw noDevice(folder.dir);
    folder.refuseIncomplete();
    // --all-bases-present (pddb verbs): the user says every basis is open, so a large write may refill FastSpace.
    const device = await bootMounted(folder, lock, modeOf(p), flag(p, 'trace'), flag(p, 'all-bases-present'));
    let result: T;
    try {
      for (const name of bases) await device.pddb.unlockBasis(name, passwords.get(name)!);
      result = await body(device);
      if (flag(p, 'trace')) io.err(device.kernel.trace.toSequenceDiagram() + '\n');
    } finally {
      await device.shutdown();
    }
    afterPowerOff?.(result);
    return result;
  });
}

let served: Device | undefined;

/** `pvault serve` attaches its booted device (undefined when it stops): withDevice then runs on it. */
export function attachServedDevice(device: Device | undefined): void {
  served = device;
}

/** The password for a basis a command acts on (basiscreate, basisunlock, basisdelete). */
export async function passwordFor(p: Parsed, name: string): Promise<string> {
  return (await basisPasswords(p, [name])).get(name)!;
}
