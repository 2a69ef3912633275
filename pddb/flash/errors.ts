// The flash layer's error vocabulary: one typed error with a code, and PowerCut for fault injection.
// Every bad call (bounds, arguments, a closed device, a bad image file) surfaces as a FlashError, never as a
// RangeError from deep inside a typed array or an fs call.

export type FlashErrorCode =
  /** An argument of the wrong type or shape: a non-integer offset, an empty program, a fill outside 0..255. */
  | 'BadArgument'
  /** A read, erase or program (or a wear query) outside the device. */
  | 'OutOfBounds'
  /** A program whose bytes span two sectors: one program stays inside one sector. */
  | 'CrossesSector'
  /** An image whose size is zero or not a multiple of SECTOR_SIZE. */
  | 'BadImageSize'
  /** The image path names something that is not a regular file. */
  | 'NotAFile'
  /** The image file does not exist. */
  | 'NotFound'
  /** create() of an image file that already exists (pass { overwrite: true } to replace it). */
  | 'Exists'
  /** An erase, program or sync of a device opened read-only. */
  | 'ReadOnly'
  /** Any operation after close(). */
  | 'Closed'
  /** Any other I/O failure of the backing file (EIO, ENOSPC, a short read of a file truncated under us...). */
  | 'Io'
  /** Power was lost (fault injection): the cut operation and every later mutation fail with this. */
  | 'PowerCut';

export class FlashError extends Error {
  override name = 'FlashError';
  readonly code: FlashErrorCode;

  constructor(code: FlashErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.code = code;
  }
}

export class PowerCut extends FlashError {
  override name = 'PowerCut';

  constructor(message: string) {
    super('PowerCut', message);
  }
}

export function isFlashError(e: unknown, code?: FlashErrorCode): e is FlashError {
  return e instanceof FlashError && (code === undefined || e.code === code);
}
