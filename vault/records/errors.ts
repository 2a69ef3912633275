// The vault apps' error vocabulary (TOTP, passwords, autotype, import/export). Messages name fields, positions and
// limits, never a secret, a password, a name or a value: they reach logs, traces and terminals.
export type VaultCode =
  /** A field fails its rule: a '\n', a limit, a bad number, an unknown algorithm. */
  | 'InvalidInput'
  /** A stored record does not parse (bad UTF-8, a bad number). */
  | 'InvalidRecord'
  /** A secret that is not base32, or is empty or too long. */
  | 'BadSecret'
  | 'NotFound'
  | 'Duplicate'
  /** An import file that does not parse as its format. */
  | 'BadFormat'
  | 'WrongPassword'
  | 'TooLarge'
  /** Text a keyboard layout cannot type. */
  | 'Untypable'
  | 'Unsupported';

export const VAULT_CODES: readonly VaultCode[] = [
  'InvalidInput',
  'InvalidRecord',
  'BadSecret',
  'NotFound',
  'Duplicate',
  'BadFormat',
  'WrongPassword',
  'TooLarge',
  'Untypable',
  'Unsupported',
];

export class VaultError extends Error {
  override name = 'VaultError';
  constructor(
    readonly code: VaultCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export function isVaultError(e: unknown, code?: VaultCode): e is VaultError {
  return e instanceof VaultError && (code === undefined || e.code === code);
}
