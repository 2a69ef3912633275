// `pvault init`: format a device folder (pddb.bin + keybox.bin) through the PDDB server. Never over an existing
// image or keybox without --force, and never larger than the format can address or the disk can hold.
import { chmodSync, writeFileSync } from 'node:fs';
import { flag, parseArgs, value, UsageError } from '../args.ts';
import { done, emit, progressBar, outputMode, io } from '../output.ts';
import { commonFlags, modeOf, noteOutputMode, withLock } from '../session.ts';
import { newDevicePin, storedPinPath } from '../boot-pin.ts';
import { Device } from '../../vault/device/device.ts';
import type { DeviceFolder } from '../../vault/device/folder.ts';
import type { DeviceLock } from '../../vault/device/device-lock.ts';
import { PAGE_SIZE, PRECURSOR_PDDB_LEN, TEST_PDDB_LEN } from '../../pddb/format/constants.ts';
import { computeLayout } from '../../pddb/format/layout.ts';
import type { Mode } from '../../transports/ipc/index.ts';

export const INIT_HELP = `usage: pvault init [--dir DIR] [--size BYTES|NKiB|NMiB|NGiB] [--preset test|precursor] [--force]
                  [--wait [SECONDS]] [--json]

Formats a new device folder: pddb.bin (the raw PDDB region, Xous v0x201 layout) and keybox.bin (1024 bytes, the
Xous keyrom layout), both 0600 in a 0700 folder. The boot PIN comes from PVAULT_PIN; without it a 6-digit PIN is
generated, printed once, and kept in DIR/boot-pin.emulator-only (an emulator convenience: anyone who copies the
folder can then open .System; a real device never stores its PIN).
Default size: the Precursor's 98 MiB; at least 1 MiB, at most ${formatMaxSize()} bytes (the format's 2^20 data
pages), and no more than the disk has free. A folder that holds pddb.bin or keybox.bin is never formatted without
--force, which replaces the device (its data is lost).
`;

/** The largest region whose data pages the format's 20-bit page numbers can address. */
export function formatMaxSize(): number {
  const maxDataPages = 2 ** 20;
  let pages = maxDataPages + Math.ceil(maxDataPages / 256) + 64;
  while (pages > 0 && computeLayout(pages * PAGE_SIZE).dataPages > maxDataPages) pages--;
  return pages * PAGE_SIZE;
}

const MIN_SIZE = 1 << 20;

export async function initCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, { ...commonFlags, size: { value: true }, preset: { value: true }, force: {} });
  noteOutputMode(p);
  if (flag(p, 'help')) return void io.out(INIT_HELP);
  if (p.positionals.length > 0) throw new UsageError(`unexpected argument #1 (init takes no arguments)`);
  const size = sizeOf(value(p, 'size'), value(p, 'preset'));
  const result = await withLock(p, async (folder, lock) => {
    const state = folder.state();
    if (state !== 'empty' && !flag(p, 'force')) {
      if (state === 'device') throw new UsageError(`${folder.dir} already holds a device (--force replaces it)`);
      folder.refuseIncomplete();
    }
    checkFree(folder, size);
    return formatDevice(folder, lock, size, modeOf(p));
  });
  emit(result);
}

/** Format through the PDDB server with a progress bar, under the caller's lock; the files end 0600. */
export async function formatDevice(folder: DeviceFolder, lock: DeviceLock, size: number, mode: Mode) {
  const { pin, generated } = newDevicePin(folder);
  // The image is 0600 from its first byte: the server's create keeps an existing file's mode.
  writeFileSync(folder.image, '', { mode: 0o600 });
  chmodSync(folder.image, 0o600);
  const device = await Device.boot({ dir: folder.dir, mode, lock });
  try {
    await device.pddb.format(pin, size, outputMode.json ? undefined : ({ done, total }) => bar(done, total));
  } finally {
    await device.shutdown();
  }
  for (const path of [folder.image, folder.keybox]) chmodSync(path, 0o600);
  const lines = [`formatted ${folder.dir}: ${size} bytes`];
  if (generated) {
    lines.push(`boot PIN (generated, shown once): ${pin}`);
    lines.push(
      `  EMULATOR-ONLY: also kept in ${storedPinPath(folder)}; anyone who copies the folder can open .System.`,
    );
    lines.push('  Set PVAULT_PIN to choose your own PIN and nothing is stored.');
  }
  return done(lines.join('\n'), { dir: folder.dir, size, pinGenerated: generated, pin: generated ? pin : undefined });
}

const bar = progressBar('formatting');

function checkFree(folder: DeviceFolder, size: number): void {
  folder.ensure();
  // An image being replaced (--force) gives its space back when the new one is created.
  const free = folder.freeBytes() + folder.imageBytes();
  if (size > free) {
    throw new UsageError(`--size ${size} bytes does not fit: the disk of ${folder.dir} has ${free} bytes free`);
  }
}

export function sizeOf(size: string | undefined, preset: string | undefined): number {
  if (size !== undefined && preset !== undefined) throw new UsageError('give --size or --preset, not both');
  if (preset !== undefined) {
    if (preset === 'precursor') return PRECURSOR_PDDB_LEN;
    if (preset === 'test') return TEST_PDDB_LEN;
    throw new UsageError('unknown --preset (test = 4 MiB, precursor = 98 MiB)');
  }
  if (size === undefined) return PRECURSOR_PDDB_LEN;
  const m = /^(\d{1,16})(KiB|MiB|GiB)?$/.exec(size);
  if (!m) throw new UsageError(`--size takes BYTES, NKiB, NMiB or NGiB (got '${size.slice(0, 40)}')`);
  const unit = { KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30 }[m[2] ?? ''] ?? 1;
  const bytes = Number(m[1]) * unit;
  const max = formatMaxSize();
  if (bytes % PAGE_SIZE !== 0) throw new UsageError(`--size must be a multiple of ${PAGE_SIZE} bytes`);
  if (bytes < MIN_SIZE || bytes > max)
    throw new UsageError(`--size must be between ${MIN_SIZE} and ${max} bytes (got ${bytes})`);
  return bytes;
}
