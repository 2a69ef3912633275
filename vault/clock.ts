// The device clock: the host's time plus an offset the user sets (a device whose RTC is wrong, or a test that
// needs a given instant). The offset lives in the device folder (`clock-offset`: decimal seconds, one line), so it
// holds across runs as a real device's RTC would. Injectable: pass `source` to drive time in tests.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VaultError } from './records/errors.ts';

export const CLOCK_OFFSET_FILE = 'clock-offset';

export interface ClockOptions {
  /** The device folder holding the offset file; absent = an in-memory offset. */
  dir?: string;
  /** Host time in milliseconds (default Date.now). */
  source?: () => number;
}

export class DeviceClock {
  private offset: number;
  private readonly file: string | undefined;
  private readonly source: () => number;

  constructor(opts: ClockOptions = {}) {
    this.source = opts.source ?? Date.now;
    this.file = opts.dir === undefined ? undefined : join(opts.dir, CLOCK_OFFSET_FILE);
    this.offset = this.file !== undefined && existsSync(this.file) ? parseOffset(readFileSync(this.file, 'utf8')) : 0;
  }

  /** Unix seconds, device time. */
  now(): number {
    return Math.floor(this.source() / 1000) + this.offset;
  }

  get offsetSeconds(): number {
    return this.offset;
  }

  /** Set the device time to `unixSeconds` (kept as an offset from the host clock). */
  set(unixSeconds: number): void {
    if (!Number.isSafeInteger(unixSeconds) || unixSeconds < 0)
      throw new VaultError('InvalidInput', 'the time must be non-negative unix seconds');
    this.setOffset(unixSeconds - Math.floor(this.source() / 1000));
  }

  setOffset(seconds: number): void {
    if (!Number.isSafeInteger(seconds)) throw new VaultError('InvalidInput', 'the clock offset must be whole seconds');
    this.offset = seconds;
    if (this.file !== undefined) writeFileSync(this.file, `${seconds}\n`, { mode: 0o600 });
  }
}

function parseOffset(text: string): number {
  const t = text.trim();
  if (!/^-?[0-9]+$/.test(t) || !Number.isSafeInteger(Number(t)))
    throw new VaultError('InvalidInput', `${CLOCK_OFFSET_FILE} does not hold whole seconds`);
  return Number(t);
}
