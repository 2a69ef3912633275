// Boot PIN attempts, an emulator policy. The original has no attempt counter: each try costs bcrypt cost 7, 804 ms
// on the Precursor, and that is its only brake. Here bcrypt takes ~7 ms, so 100 guesses a second would be possible;
// instead the device folder keeps a count of consecutive wrong PINs (`pin-attempts`, 0600) and, after
// FREE_ATTEMPTS of them, refuses every attempt until a delay that doubles with each further failure has passed.
// The count is raised before the PIN is tried and cleared only by a right PIN, so killing the process mid-try
// does not win a free guess. Someone holding a copy of the folder can delete the file: it models the device's
// pacing, not a secure element.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { DeviceFolderError, type DeviceFolder } from './folder.ts';

export const FREE_ATTEMPTS = 3;
const MAX_DELAY_MS = 10 * 60_000;

interface Attempts {
  failures: number;
  /** When the last attempt started (ms since the epoch). */
  last: number;
}

/** Milliseconds to wait after `failures` consecutive wrong PINs before the next try. */
export function pinDelayMs(failures: number): number {
  return failures < FREE_ATTEMPTS ? 0 : Math.min(1000 * 2 ** (failures - FREE_ATTEMPTS), MAX_DELAY_MS);
}

/**
 * Try the boot PIN with `mount` under the folder's attempt policy (the caller holds the device lock). Throws
 * DeviceFolderError('PinThrottled') without trying when the delay has not passed.
 */
export async function withPinAttempt<T>(folder: DeviceFolder, mount: () => Promise<T>, now = Date.now): Promise<T> {
  const path = folder.file('pin-attempts');
  const before = read(path);
  const wait = before.last + pinDelayMs(before.failures) - now();
  if (wait > 0) {
    throw new DeviceFolderError(
      'PinThrottled',
      `${before.failures} wrong boot PINs in a row: the next attempt is allowed in ${Math.ceil(wait / 1000)} s ` +
        '(the delay doubles with each wrong PIN; a right PIN resets it)',
    );
  }
  write(path, { failures: before.failures + 1, last: now() });
  try {
    const result = await mount();
    rmSync(path, { force: true });
    return result;
  } catch (e) {
    if (!isWrongPin(e)) write(path, before);
    throw e;
  }
}

function isWrongPin(e: unknown): boolean {
  return (e as { code?: unknown })?.code === 'AccessDenied';
}

function read(path: string): Attempts {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { failures: 0, last: 0 };
  }
  const m = /^(\d+) (\d+)\s*$/.exec(text);
  // A damaged counter must not unlock free guesses: count it as the most recent failure past the free ones.
  return m ? { failures: Number(m[1]), last: Number(m[2]) } : { failures: FREE_ATTEMPTS, last: Date.now() };
}

function write(path: string, a: Attempts): void {
  if (a.failures === 0) return rmSync(path, { force: true });
  writeFileSync(`${path}.tmp`, `${a.failures} ${a.last}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}
