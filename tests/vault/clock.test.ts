import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLOCK_OFFSET_FILE, DeviceClock } from '../../vault/clock.ts';

describe('device clock', () => {
  it('keeps a settable offset in the device folder across instances', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pvault-clock-'));
    try {
      let host = 1_000_000_000_500;
      const clock = new DeviceClock({ dir, source: () => host });
      expect(clock.now()).toBe(1_000_000_000);
      clock.set(59);
      expect(clock.now()).toBe(59);
      expect(readFileSync(join(dir, CLOCK_OFFSET_FILE), 'utf8')).toBe(`${59 - 1_000_000_000}\n`);
      host += 10_000;
      expect(new DeviceClock({ dir, source: () => host }).now()).toBe(69);
      writeFileSync(join(dir, CLOCK_OFFSET_FILE), 'soon');
      expect(() => new DeviceClock({ dir })).toThrow(/InvalidInput/);
      expect(() => clock.set(-1)).toThrow(/InvalidInput/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
