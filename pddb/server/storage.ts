// Where the PDDB server keeps its image and keybox. The device (vault/device) chooses; the server only asks for a
// flash and the keybox bytes. Spawn init crosses to a worker by structured clone, so it names the storage as data.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { FileFlash } from '../flash/file.ts';
import type { Flash } from '../flash/flash.ts';
import { MemoryFlash } from '../flash/memory.ts';
import { PddbError } from '../errors.ts';

export interface PddbStorage {
  /** The existing image (NotMounted when there is none). */
  open(): Flash;
  /** A blank image of `size` bytes, replacing any other (format). */
  create(size: number): Flash;
  /** The keybox written at format (NotMounted when there is none). */
  readKeybox(): Uint8Array;
  writeKeybox(keybox: Uint8Array): void;
}

/** The storage named in the server's spawn init. */
export interface StorageSpec {
  /** The raw PDDB region: a file, or an in-memory image of this many bytes. */
  image: { path: string } | { memory: number };
  /** The keybox file; required with an image file. */
  keyboxPath?: string;
}

export function storageFrom(spec: StorageSpec): PddbStorage {
  if ('memory' in spec.image) return memoryStorage(spec.image.memory);
  if (!spec.keyboxPath) throw new PddbError('InvalidArgument', 'an image file needs a keyboxPath');
  return fileStorage(spec.image.path, spec.keyboxPath);
}

/** A device folder: the raw image file and the keybox file beside it (mode 0600). */
export function fileStorage(imagePath: string, keyboxPath: string): PddbStorage {
  return {
    open() {
      if (!existsSync(imagePath)) throw new PddbError('NotMounted', 'no PDDB image: format the device first');
      return FileFlash.open(imagePath);
    },
    create: (size) => FileFlash.create(imagePath, size, { overwrite: true }),
    readKeybox() {
      if (!existsSync(keyboxPath)) throw new PddbError('NotMounted', 'no keybox: format the device first');
      return new Uint8Array(readFileSync(keyboxPath));
    },
    writeKeybox: (keybox) => writeFileSync(keyboxPath, keybox, { mode: 0o600 }),
  };
}

/** An in-memory device (tests, experiments): gone with the process. */
export function memoryStorage(size: number): PddbStorage {
  let flash: Flash | null = null;
  let keybox: Uint8Array | null = null;
  return {
    open() {
      flash ??= new MemoryFlash(size);
      return flash;
    },
    create: (n) => (flash = new MemoryFlash(n)),
    readKeybox() {
      if (!keybox) throw new PddbError('NotMounted', 'no keybox: format the device first');
      return keybox.slice();
    },
    writeKeybox: (k) => void (keybox = k.slice()),
  };
}
