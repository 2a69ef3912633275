// Shared test helpers for the flash model.
import { expect } from 'vitest';
import { FlashError } from '../../../pddb/flash/errors.ts';
import type { FlashErrorCode } from '../../../pddb/flash/errors.ts';

/** `fn` throws a FlashError with `code` (and nothing else: no RangeError, no fs error). */
export function expectFlashError(fn: () => unknown, code: FlashErrorCode): FlashError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected FlashError ${code}`).toBeInstanceOf(FlashError);
  expect((thrown as FlashError).code).toBe(code);
  return thrown as FlashError;
}

export function pattern(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function filled(length: number, value: number): Uint8Array {
  return new Uint8Array(length).fill(value);
}

/** Byte equality that stays fast on large arrays; falls back to toEqual (with its diff) only on a mismatch. */
export function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  const same =
    actual.length === expected.length &&
    Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(
      Buffer.from(expected.buffer, expected.byteOffset, expected.length),
    );
  if (!same) expect(actual).toEqual(expected);
}
