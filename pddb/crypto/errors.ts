// Typed errors for inputs the original's limits reject. Messages are fixed per code: they never carry the
// offending name or password.

export type KdfErrorCode = 'NameTooLong' | 'PasswordTooLong';

const MESSAGES: Record<KdfErrorCode, string> = {
  NameTooLong: 'basis name longer than 63 bytes',
  PasswordTooLong: 'password longer than 72 bytes',
};

export class KdfError extends Error {
  override readonly name = 'KdfError';
  constructor(readonly code: KdfErrorCode) {
    super(MESSAGES[code]);
  }
}
