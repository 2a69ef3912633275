// CTAPHID on a Linux UHID device: /dev/uhid makes the kernel create a HID device (hidraw) with the FIDO report
// descriptor, so a browser or libfido2 on this machine sees a USB security key. Each output report the host writes
// arrives as UHID_OUTPUT and goes to the same CtaphidDevice the sockets use; each report the device sends goes back
// as UHID_INPUT2. The kernel's hidraw users share the one device: to the channel machine they are one host, which
// is detached (its channels freed) whenever the last of them closes the hidraw node (UHID_CLOSE).
import { accessSync, close, constants, open, read, write } from 'node:fs';
import { promisify } from 'node:util';
import type { AttachedHost, CtaphidDevice } from '../ctaphid/channels.ts';
import { REPORT_SIZE } from '../ctaphid/protocol.ts';
import { FIDO_REPORT_DESCRIPTOR, PRECURSOR_PRODUCT_ID, PRECURSOR_VENDOR_ID } from './fido-descriptor.ts';
import {
  decodeEvent,
  encodeCreate2,
  encodeDestroy,
  encodeGetReportReply,
  encodeInput2,
  encodeSetReportReply,
  UHID_EVENT_SIZE,
  UhidEventType,
} from './uhid-event.ts';

export const UHID_PATH = '/dev/uhid';
const EIO = 5;
/** How long close() waits for the kernel's UHID_STOP before it closes the file anyway. */
const STOP_WAIT_MS = 2000;

const openP = promisify(open);
const readP = promisify(read);
const writeP = promisify(write);
const closeP = promisify(close);

/** An open(2) of /dev/uhid that cannot succeed: the CLI reports it like any failed system call (code, exit 1). */
export class UhidUnavailable extends Error {
  override name = 'UhidUnavailable';
  readonly code = 'UhidUnavailable';
  readonly syscall = 'open';
}

/** Why `path` cannot serve as /dev/uhid here, or undefined when it looks usable. */
export function uhidProblem(path = UHID_PATH): string | undefined {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    return undefined;
  } catch (e) {
    return explain(path, (e as NodeJS.ErrnoException).code);
  }
}

function explain(path: string, code: string | undefined): string {
  if (code === 'ENOENT')
    return `${path} does not exist: load the uhid module (sudo modprobe uhid); a container needs --device ${path}`;
  if (code === 'EACCES' || code === 'EPERM')
    return `${path} is not readable and writable by this user: add a udev rule (KERNEL=="uhid", GROUP="plugdev", MODE="0660") or run with access to it`;
  return `${path} cannot be opened (${code ?? 'unknown error'})`;
}

export interface UhidOptions {
  path?: string;
  /** The product name hosts show (default "Precursor", what the original's tools look for). */
  name?: string;
  uniq?: string;
}

export class UhidTransport {
  private host: AttachedHost;
  private writes: Promise<unknown> = Promise.resolve();
  private closing = false;
  private readonly loopDone: Promise<void>;

  private constructor(
    private readonly fd: number,
    private readonly device: CtaphidDevice,
    readonly path: string,
  ) {
    this.host = this.attachHost();
    this.loopDone = this.loop();
  }

  /** Create the HID device; UhidUnavailable (with what to do about it) where /dev/uhid cannot be used. */
  static async open(device: CtaphidDevice, opts: UhidOptions = {}): Promise<UhidTransport> {
    const path = opts.path ?? UHID_PATH;
    const problem = uhidProblem(path);
    if (problem) throw new UhidUnavailable(problem);
    let fd: number;
    try {
      fd = await openP(path, constants.O_RDWR);
    } catch (e) {
      throw new UhidUnavailable(explain(path, (e as NodeJS.ErrnoException).code));
    }
    try {
      const create = encodeCreate2({
        name: opts.name ?? 'Precursor',
        uniq: opts.uniq,
        vendor: PRECURSOR_VENDOR_ID,
        product: PRECURSOR_PRODUCT_ID,
        descriptor: FIDO_REPORT_DESCRIPTOR,
      });
      await writeP(fd, create, 0, create.length, null);
    } catch (e) {
      await closeP(fd).catch(() => {});
      throw new UhidUnavailable(
        `${path} refused to create the device (${(e as NodeJS.ErrnoException).code ?? 'unknown error'})`,
      );
    }
    return new UhidTransport(fd, device, path);
  }

  /** Destroy the HID device (hosts see the key unplugged) and release the file. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.host.detach();
    await this.send(encodeDestroy()).catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loopDone, new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
    clearTimeout(timer);
    await this.writes;
    await closeP(this.fd).catch(() => {});
  }

  private attachHost(): AttachedHost {
    return this.device.attach((report) => void this.send(encodeInput2(report)).catch(() => {}));
  }

  /** Writes in order: each event is one write() of the whole struct. */
  private send(event: Buffer): Promise<unknown> {
    const w = this.writes.then(() => writeP(this.fd, event, 0, event.length, null));
    this.writes = w.catch(() => {});
    return w;
  }

  private async loop(): Promise<void> {
    const buf = Buffer.alloc(UHID_EVENT_SIZE);
    for (;;) {
      let n: number;
      try {
        n = (await readP(this.fd, buf, 0, buf.length, null)).bytesRead;
      } catch {
        return; // the file was closed under us
      }
      let ev: ReturnType<typeof decodeEvent>;
      try {
        ev = decodeEvent(buf.subarray(0, n));
      } catch {
        continue; // a short read the kernel should never give: skipped, not fatal
      }
      switch (ev.type) {
        case UhidEventType.Output:
          // hidraw hands on the report-number byte (0: no numbered reports) in front of the 64 bytes.
          if (!this.closing)
            this.host.receive(ev.data.length > REPORT_SIZE ? ev.data.subarray(ev.data.length - REPORT_SIZE) : ev.data);
          break;
        case UhidEventType.Close:
          // The last hidraw user left: whatever it held is freed, the next one starts clean.
          this.host.detach();
          if (!this.closing) this.host = this.attachHost();
          break;
        case UhidEventType.GetReport:
          void this.send(encodeGetReportReply(ev.id, EIO)).catch(() => {});
          break;
        case UhidEventType.SetReport:
          void this.send(encodeSetReportReply(ev.id, EIO)).catch(() => {});
          break;
        case UhidEventType.Stop:
          if (this.closing) return;
          break;
      }
    }
  }
}
