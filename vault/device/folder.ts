// The device folder (default ./.pvault): pddb.bin (the raw PDDB region, Xous layout), keybox.bin (1024 bytes, the
// Xous keyrom layout), and pvault.lock while a process has the device booted.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

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

  get lockFile(): string {
    return join(this.dir, 'pvault.lock');
  }

  get formatted(): boolean {
    return existsSync(this.image) && existsSync(this.keybox);
  }

  ensure(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /**
   * Take the device: one process at a time, like one USB device in one host. A lock left by a process that no
   * longer runs is taken over. Returns the release function.
   */
  lock(): () => void {
    this.ensure();
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockFile, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return () => rmSync(this.lockFile, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const holder = Number(readFileSync(this.lockFile, 'utf8').trim());
        if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
          throw new DeviceBusy(`the device in ${this.dir} is in use by process ${holder}`);
        }
        rmSync(this.lockFile, { force: true });
      }
    }
    throw new DeviceBusy(`could not lock the device in ${this.dir}`);
  }
}

export class DeviceBusy extends Error {
  override name = 'DeviceBusy';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
