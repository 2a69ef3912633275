// The PDDB's error vocabulary. The original splits results into PddbRetcode (key I/O) and PddbRequestCode
// (basis/key requests); we keep one typed error whose code names which it is, with the original's numbers for the
// wire. Messages carry names the caller already knows, never key material or passwords.

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
  // Ours: the original panics or truncates silently in these cases.
  | 'InvalidName'
  | 'LimitExceeded'
  | 'BadImage'
  | 'InvalidArgument';

/** Wire numbers: the original's PddbRequestCode where one exists, else 0x100 + ours. */
export const PDDB_CODE_NUMBER: Record<PddbCode, number> = {
  NoFreeSpace: 6,
  NotMounted: 5,
  NotFound: 7,
  InternalError: 8,
  AccessDenied: 9,
  DuplicateEntry: 11,
  BasisLost: 0x102,
  UnexpectedEof: 0x104,
  DiskFull: 0x106,
  InvalidName: 0x110,
  LimitExceeded: 0x111,
  BadImage: 0x112,
  InvalidArgument: 0x113,
};

const BY_NUMBER = new Map(Object.entries(PDDB_CODE_NUMBER).map(([k, v]) => [v, k as PddbCode]));

export function pddbCodeFromNumber(n: number): PddbCode | undefined {
  return BY_NUMBER.get(n);
}

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
