// The device folder (default ./.pvault): pddb.bin (the raw PDDB region, Xous layout), keybox.bin (1024 bytes, the
// Xous keyrom layout), pvault.lock while a process has the device, and what the emulator keeps beside them.
// Everything here holds keys or ciphertext of secrets: the folder is 0700 and its files 0600.
import { accessSync, chmodSync, constants, mkdirSync, readFileSync, statfsSync, statSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { keyboxProblem } from '../../pddb/keys/keybox.ts';
import { KEYROM_BYTES } from '../../pddb/keys/keyrom.ts';
import { PAGE_SIZE } from '../../pddb/format/constants.ts';
import { DeviceLock } from './device-lock.ts';

/** What a folder holds: nothing of a device, a whole device, or half of one (which nothing may format over). */
export type FolderState = 'empty' | 'device' | 'imageOnly' | 'keyboxOnly';

export type DeviceFolderErrorCode =
  /** An image without its keybox or the reverse: formatting would destroy the half that is there. */
  | 'IncompleteDevice'
  /** A device file that is not what it must be (a directory, the wrong size, not a keybox, unreadable). */
  | 'BadDeviceFile'
  /** Too many wrong boot PINs in a row: the next attempt is allowed later (pin-attempts.ts). */
  | 'PinThrottled';

export class DeviceFolderError extends Error {
  override name = 'DeviceFolderError';
  constructor(
    readonly code: DeviceFolderErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class DeviceFolder {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  get image(): string {
    return join(this.dir, 'pddb.bin');
  }

  get keybox(): string {
    return join(this.dir, 'keybox.bin');
  }

  /** A path in the folder for state the emulator keeps beside the device files. */
  file(name: string): string {
    return join(this.dir, name);
  }

  state(): FolderState {
    const image = entry(this.image);
    const keybox = entry(this.keybox);
    if (image && keybox) return 'device';
    if (image) return 'imageOnly';
    if (keybox) return 'keyboxOnly';
    return 'empty';
  }

  /** Refuse a folder with half a device: say which half is missing and that nothing was formatted. */
  refuseIncomplete(): void {
    const state = this.state();
    if (state === 'imageOnly') {
      throw new DeviceFolderError(
        'IncompleteDevice',
        `${this.dir} holds pddb.bin but no keybox.bin: without the keybox the image cannot be mounted, and formatting ` +
          'would destroy it. Restore keybox.bin, or pass --force to init to replace the image.',
      );
    }
    if (state === 'keyboxOnly') {
      throw new DeviceFolderError(
        'IncompleteDevice',
        `${this.dir} holds keybox.bin but no pddb.bin: restore the image, or pass --force to init to replace the keybox.`,
      );
    }
  }

  /**
   * Check, before boot, what can be checked without the PIN: both files are regular and readable, the image a
   * whole number of 4 KiB pages, the keybox a provisioned 1,024-byte keyrom. Fixes the files' modes to 0600.
   */
  checkDevice(): void {
    const image = this.regularFile(this.image, 'the PDDB image');
    if (image.size === 0 || image.size % PAGE_SIZE !== 0) {
      throw new DeviceFolderError(
        'BadDeviceFile',
        `${this.image}: expected a whole number of ${PAGE_SIZE}-byte pages, found ${image.size} bytes (truncated or not a PDDB image)`,
      );
    }
    const keybox = this.regularFile(this.keybox, 'the keybox');
    if (keybox.size !== KEYROM_BYTES) {
      throw new DeviceFolderError(
        'BadDeviceFile',
        `${this.keybox}: expected ${KEYROM_BYTES} bytes, found ${keybox.size} (truncated or not a keybox)`,
      );
    }
    const problem = keyboxProblem(new Uint8Array(this.read(this.keybox)));
    if (problem) throw new DeviceFolderError('BadDeviceFile', `${this.keybox}: ${problem}`);
    try {
      accessSync(this.image, constants.R_OK | constants.W_OK);
    } catch (e) {
      throw new DeviceFolderError(
        'BadDeviceFile',
        `${this.image}: cannot be read and written (${(e as NodeJS.ErrnoException).code})`,
      );
    }
    for (const [path, st] of [
      [this.image, image],
      [this.keybox, keybox],
    ] as const) {
      if ((st.mode & 0o077) !== 0) chmodSync(path, 0o600);
    }
  }

  /** Create the folder (0700) if it does not exist. */
  ensure(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** Bytes free for a new image on the folder's file system. */
  freeBytes(): number {
    const fs = statfsSync(this.dir);
    return fs.bavail * fs.bsize;
  }

  /** Size of the existing image file (0 when there is none). */
  imageBytes(): number {
    const st = entry(this.image);
    return st?.isFile() ? st.size : 0;
  }

  /** Take the device, waiting up to `waitMs` while another process has it. */
  lock(waitMs = 0): Promise<DeviceLock> {
    this.ensure();
    return DeviceLock.acquire(this.dir, waitMs);
  }

  private regularFile(path: string, what: string): Stats {
    const st = entry(path);
    if (!st) throw new DeviceFolderError('BadDeviceFile', `${path}: ${what} is missing`);
    if (!st.isFile())
      throw new DeviceFolderError('BadDeviceFile', `${path}: expected ${what} as a regular file, found ${kind(st)}`);
    return st;
  }

  private read(path: string): Buffer {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new DeviceFolderError(
        'BadDeviceFile',
        `${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? 'I/O error'})`,
      );
    }
  }
}

function entry(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DeviceFolderError(
      'BadDeviceFile',
      `${path}: cannot be examined (${(e as NodeJS.ErrnoException).code ?? 'I/O error'})`,
    );
  }
}

function kind(st: Stats): string {
  return st.isDirectory() ? 'a directory' : 'a special file';
}
