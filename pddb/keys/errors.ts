// Errors of the emulated keybox and the .System key unwrap. One fixed message per code, so an error can never
// carry PIN or key material; a wrong PIN says AccessDenied and nothing else.

export type KeyboxErrorCode =
  /** The PIN did not unlock the keys (KWP integrity check failed), as the original's PasswordState::Incorrect. */
  | 'AccessDenied'
  /** Not a provisioned 1,024-byte keybox, or a wrapped key of the wrong size. */
  | 'Malformed'
  /** A PIN longer than 72 bytes: the original cuts it, the reference tool cannot take it; refused here. */
  | 'InvalidPin';

const MESSAGES: Record<KeyboxErrorCode, string> = {
  AccessDenied: 'access denied',
  Malformed: 'malformed keybox or wrapped key',
  InvalidPin: 'PIN longer than 72 bytes',
};

export class KeyboxError extends Error {
  override readonly name = 'KeyboxError';
  constructor(readonly code: KeyboxErrorCode) {
    super(MESSAGES[code]);
  }
}
