// The PDDB's error vocabulary. The original answers basis/key requests with a PddbRequestCode and key I/O with a
// PddbRetcode (services/pddb/src/api.rs); the wire here uses the same two number spaces, so a number means what it
// means on the original. Our own codes (cases where the original panics or truncates silently) sit at 0x100 and up
// in both spaces. Messages carry names the caller already knows, never key material or passwords.

export type PddbCode =
  // PddbRequestCode
  | 'NotMounted'
  | 'NoFreeSpace'
  | 'NotFound'
  | 'DuplicateEntry'
  | 'AccessDenied'
  | 'InternalError'
  // PddbRetcode
  | 'BasisLost'
  | 'UnexpectedEof'
  | 'DiskFull'
  // Ours
  | 'InvalidName'
  | 'LimitExceeded'
  | 'BadImage'
  | 'InvalidArgument';

/** Which of the original's two result enums a message answers with. */
export type CodeSpace = 'request' | 'retcode';

/** PddbRequestCode: NoErr = 4 is success. */
export const REQUEST_OK = 4;
/** PddbRetcode: Ok = 1 is success. */
export const RETCODE_OK = 1;

const REQUEST_CODE: Partial<Record<PddbCode, number>> = {
  NotMounted: 5,
  NoFreeSpace: 6,
  NotFound: 7,
  InternalError: 8,
  AccessDenied: 9,
  DuplicateEntry: 11,
};
const RETCODE: Partial<Record<PddbCode, number>> = {
  BasisLost: 2,
  AccessDenied: 3,
  UnexpectedEof: 4,
  InternalError: 5,
  DiskFull: 6,
};
/** Codes a space lacks: the same number in both spaces. */
const EXTENDED: Record<PddbCode, number> = {
  NotMounted: 0x100,
  NoFreeSpace: 0x101,
  NotFound: 0x102,
  DuplicateEntry: 0x103,
  AccessDenied: 0x104,
  InternalError: 0x105,
  BasisLost: 0x106,
  UnexpectedEof: 0x107,
  DiskFull: 0x108,
  InvalidName: 0x110,
  LimitExceeded: 0x111,
  BadImage: 0x112,
  InvalidArgument: 0x113,
};

const SPACE = { request: REQUEST_CODE, retcode: RETCODE };
const OK = { request: REQUEST_OK, retcode: RETCODE_OK };

/** The wire number of `code` in `space` (success is REQUEST_OK / RETCODE_OK). */
export function codeNumber(code: PddbCode, space: CodeSpace): number {
  return SPACE[space][code] ?? EXTENDED[code];
}

/** The code a wire number stands for: null for success, InternalError for a number neither space defines. */
export function codeFromNumber(n: number, space: CodeSpace): PddbCode | null {
  if (n === OK[space]) return null;
  for (const table of [SPACE[space], EXTENDED]) {
    for (const [code, value] of Object.entries(table)) if (value === n) return code as PddbCode;
  }
  return 'InternalError';
}

/**
 * What a code means to the user, for errors that crossed the wire (which carries numbers only, as the original's):
 * the client adds it to the request's name. Codes whose remedy differs must read differently (a dry free-space
 * cache is not a full device).
 */
export const CODE_MEANING: Partial<Record<PddbCode, string>> = {
  NotMounted: 'the PDDB is not mounted',
  NoFreeSpace:
    'the free-space cache ran dry: open every basis (--basis) and repeat with --all-bases-present, or run pvault pddb rebuildspace --all-bases-present',
  DiskFull: 'the device is full',
  NotFound: 'not found',
  DuplicateEntry: 'it exists already',
  AccessDenied: 'access denied (a wrong PIN or password, or no such basis)',
  BasisLost: 'the basis was locked',
  UnexpectedEof: 'past the end of the key',
  BadImage: 'the image is damaged (see pvault pddb check)',
  InvalidName: 'invalid name',
  LimitExceeded: 'over a PDDB limit',
};

export class PddbError extends Error {
  override name = 'PddbError';
  constructor(
    readonly code: PddbCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export function isPddbError(e: unknown, code?: PddbCode): e is PddbError {
  return e instanceof PddbError && (code === undefined || e.code === code);
}
