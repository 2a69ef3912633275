// The emulator's boot-PIN pacing: free attempts, then a doubling delay; counted before the try, cleared by a right
// PIN, kept across processes in the folder, never loosened by a damaged counter file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeviceFolder, DeviceFolderError } from '../../../vault/device/folder.ts';
import { FREE_ATTEMPTS, pinDelayMs, withPinAttempt } from '../../../vault/device/pin-attempts.ts';

const root = mkdtempSync(join(tmpdir(), 'pin-attempts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const folder = () => {
  const f = new DeviceFolder(join(root, `f${++n}`));
  f.ensure();
  return f;
};
const wrongPin = async () => {
  throw Object.assign(new Error('access denied'), { code: 'AccessDenied' });
};
const caught = async (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('boot PIN attempts', () => {
  it('delays: none for the free attempts, then 1 s doubling to a 10 minute cap', () => {
    expect([0, 1, 2].map(pinDelayMs)).toEqual([0, 0, 0]);
    expect([3, 4, 5, 12].map(pinDelayMs)).toEqual([1000, 2000, 4000, 512_000]);
    expect(pinDelayMs(40)).toBe(600_000);
  });

  it('counts wrong PINs, refuses early attempts with PinThrottled without trying, and a right PIN clears the count', async () => {
    const f = folder();
    let clock = 1_000_000;
    const now = () => clock;
    for (let i = 0; i < FREE_ATTEMPTS; i++)
      expect(((await caught(withPinAttempt(f, wrongPin, now))) as { code: string }).code).toBe('AccessDenied');
    let tried = false;
    const right = async () => void (tried = true);
    const early = await caught(withPinAttempt(f, right, now));
    expect(early).toBeInstanceOf(DeviceFolderError);
    expect((early as DeviceFolderError).code).toBe('PinThrottled');
    expect((early as Error).message).toMatch(/3 wrong boot PINs in a row: the next attempt is allowed in 1 s/);
    expect(tried).toBe(false);
    clock += 1000;
    await withPinAttempt(f, right, now);
    expect(tried).toBe(true);
    expect(() => readFileSync(f.file('pin-attempts'))).toThrow();
  });

  it('an attempt is counted before the PIN is tried (a process killed mid-try gets no free guess)', async () => {
    const f = folder();
    const seen: string[] = [];
    await withPinAttempt(
      f,
      async () => void seen.push(readFileSync(f.file('pin-attempts'), 'utf8')),
      () => 5,
    );
    expect(seen).toEqual(['1 5\n']);
  });

  it('a failure that is not a wrong PIN (a damaged image) does not count', async () => {
    const f = folder();
    const damaged = async () => {
      throw Object.assign(new Error('bad image'), { code: 'BadImage' });
    };
    await caught(withPinAttempt(f, damaged, () => 5));
    expect(() => readFileSync(f.file('pin-attempts'))).toThrow();
  });

  it('a damaged counter file counts as throttled, not as zero', async () => {
    const f = folder();
    writeFileSync(f.file('pin-attempts'), 'garbage');
    const e = await caught(withPinAttempt(f, async () => {}));
    expect((e as DeviceFolderError).code).toBe('PinThrottled');
  });
});
