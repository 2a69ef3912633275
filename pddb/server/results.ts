// What a failure looks like on the wire: the original's result number for its code, in the message's number space.
// Flash faults and bugs are InternalError; their text stays in the server (it may quote a name).
import { FlashError } from '../flash/errors.ts';
import { codeNumber, PddbError, REQUEST_OK, RETCODE_OK, type CodeSpace, type PddbCode } from '../errors.ts';

export const OK_IN: Record<CodeSpace, number> = { request: REQUEST_OK, retcode: RETCODE_OK };

/** A failure's code. An image file that is not a PDDB image (wrong size, not a file) is BadImage; a missing one is
 * NotMounted (nothing to mount); other flash faults and bugs are InternalError. */
export function codeOf(e: unknown): PddbCode {
  if (e instanceof PddbError) return e.code;
  if (e instanceof FlashError)
    return e.code === 'BadImageSize' || e.code === 'NotAFile'
      ? 'BadImage'
      : e.code === 'NotFound'
        ? 'NotMounted'
        : 'InternalError';
  return 'InternalError';
}

export function failureNumber(e: unknown, space: CodeSpace): number {
  return codeNumber(codeOf(e), space);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A name from the wire: bytes that are not UTF-8 are refused (two byte strings must never name one dict). The
 * engine then checks length, NUL and emptiness, all InvalidName too. */
export function nameFrom(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new PddbError('InvalidName', `${what} name is not UTF-8`);
  }
}

export const optionalName = (bytes: Uint8Array | undefined, what: string) =>
  bytes === undefined ? undefined : nameFrom(bytes, what);

/** A password or PIN from the wire (not UTF-8: InvalidArgument, as any malformed password). */
export function secretText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new PddbError('InvalidArgument', 'password is not UTF-8');
  }
}
