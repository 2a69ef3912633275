// TOTP/HOTP shared secrets: base32 (RFC 4648) as people paste them (lowercase, '=' padding, spaces or hyphens
// between groups) in, the original's stored form (uppercase, unpadded) out. Decoding through @scure/base, strict:
// a character outside the alphabet or stray trailing bits is refused, never guessed at.
import { base32nopad } from '@scure/base';
import { VaultError } from '../records/errors.ts';

/** Longest secret accepted: SHA-512's block size (RFC 2104 hashes longer HMAC keys down anyway). */
export const SECRET_MAX_BYTES = 128;
/** Below this, otplib's guardrail (and RFC 4226's recommendation of 160 bits... at least 128) warns. */
export const SECRET_WARN_BYTES = 16;

/** The canonical stored form of a secret typed or imported as base32. */
export function normalizeSecret(text: string): string {
  const canonical = text.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  decodeSecret(canonical);
  return canonical;
}

export function decodeSecret(base32: string): Uint8Array {
  if (base32.length === 0) throw new VaultError('BadSecret', 'the secret is empty');
  let bytes: Uint8Array;
  try {
    bytes = base32nopad.decode(base32);
  } catch {
    throw new VaultError('BadSecret', 'the secret is not valid base32 (RFC 4648: A-Z, 2-7)');
  }
  if (bytes.length === 0) throw new VaultError('BadSecret', 'the secret is empty');
  if (bytes.length > SECRET_MAX_BYTES)
    throw new VaultError('BadSecret', `the secret is over ${SECRET_MAX_BYTES} bytes`);
  return bytes;
}

export function encodeSecret(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new VaultError('BadSecret', 'the secret is empty');
  if (bytes.length > SECRET_MAX_BYTES)
    throw new VaultError('BadSecret', `the secret is over ${SECRET_MAX_BYTES} bytes`);
  return base32nopad.encode(bytes);
}

/** A warning for short secrets (accepted: many real services still issue 10-byte ones). */
export function secretWarning(base32: string): string | undefined {
  const n = decodeSecret(base32).length;
  return n < SECRET_WARN_BYTES ? `the secret is ${n} bytes; ${SECRET_WARN_BYTES} or more is recommended` : undefined;
}
