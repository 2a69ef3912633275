// The boot PIN: from PVAULT_PIN; failing that, from the device folder's `boot-pin.emulator-only`, which exists only
// when `pvault start` or `pvault init` generated the PIN for the user (printed once). A real device never stores
// its PIN: the file's name says this is an emulator convenience, and users who care set PVAULT_PIN instead.
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBelow, defaultRandom } from '../lib/random.ts';
import { UsageError } from './args.ts';
import { bootPinFromEnv } from './secrets.ts';
import { io } from './output.ts';
import type { DeviceFolder } from '../vault/device/folder.ts';

const FILE = 'boot-pin.emulator-only';

export function storedPinPath(folder: DeviceFolder): string {
  return join(folder.dir, FILE);
}

export function bootPin(folder: DeviceFolder): string {
  const env = bootPinFromEnv();
  if (env) return env;
  const path = storedPinPath(folder);
  if (existsSync(path)) {
    io.err(
      `pvault: using the boot PIN stored in ${path} (emulator only): anyone who copies the folder can open .System ` +
        'without knowing the PIN. Set PVAULT_PIN instead and delete the file to avoid this.\n',
    );
    return readFileSync(path, 'utf8').trim();
  }
  throw new UsageError('the boot PIN comes from the environment: set PVAULT_PIN');
}

/** For a new device: PVAULT_PIN, or a generated 6-digit PIN stored as an emulator-only secret. */
export function newDevicePin(folder: DeviceFolder): { pin: string; generated: boolean } {
  const env = bootPinFromEnv();
  if (env) {
    rmSync(storedPinPath(folder), { force: true }); // a PIN kept for an earlier device would no longer open this one
    return { pin: env, generated: false };
  }
  const pin = String(randomBelow(defaultRandom, 1_000_000)).padStart(6, '0');
  writeFileSync(storedPinPath(folder), pin + '\n', { mode: 0o600 });
  chmodSync(storedPinPath(folder), 0o600); // a file left by an earlier device keeps its mode otherwise
  return { pin, generated: true };
}
