// One-time codes through otplib 13 (RFC 4226 HOTP, RFC 6238 TOTP). Its guardrails are relaxed to what the
// original accepts: secrets from 1 byte (real services still issue 10-byte ones; callers warn below 16) and
// any period; a stored period of 0 is read as 1, as the original does rather than divide by zero.
import { createGuardrails, generateSync, type HashAlgorithm } from 'otplib';
import { decodeSecret, SECRET_MAX_BYTES } from './secret.ts';
import type { TotpAlgorithm } from './record.ts';
import { VaultError } from '../records/errors.ts';

const guardrails = createGuardrails({
  MIN_SECRET_BYTES: 1,
  MAX_SECRET_BYTES: SECRET_MAX_BYTES,
  MIN_PERIOD: 1,
  MAX_PERIOD: Number.MAX_SAFE_INTEGER,
  MAX_COUNTER: Number.MAX_SAFE_INTEGER,
});

const HASH: Record<TotpAlgorithm, HashAlgorithm> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

export interface OtpParams {
  /** Base32. */
  secret: string;
  algorithm: TotpAlgorithm;
  digits: number;
}

export interface TotpCode {
  code: string;
  /** Seconds left before the code changes. */
  remaining: number;
  period: number;
}

export function totpCode(p: OtpParams & { period: number }, unixSeconds: number): TotpCode {
  if (!Number.isSafeInteger(unixSeconds) || unixSeconds < 0)
    throw new VaultError('InvalidInput', 'the time must be a non-negative whole number of seconds');
  const period = p.period === 0 ? 1 : p.period;
  const code = generate(p, { strategy: 'totp', epoch: unixSeconds, period });
  return { code, remaining: period - (unixSeconds % period), period };
}

export function hotpCode(p: OtpParams, counter: number): string {
  if (!Number.isSafeInteger(counter) || counter < 0)
    throw new VaultError('InvalidInput', 'the HOTP counter must be a non-negative integer');
  return generate(p, { strategy: 'hotp', counter });
}

function generate(
  p: OtpParams,
  how: { strategy: 'totp'; epoch: number; period: number } | { strategy: 'hotp'; counter: number },
): string {
  if (!Number.isInteger(p.digits) || p.digits < 1 || p.digits > 10)
    throw new VaultError('InvalidInput', 'digits must be 6 to 8');
  const hash = HASH[p.algorithm];
  if (!hash) throw new VaultError('InvalidInput', 'the algorithm is SHA1, SHA256 or SHA512');
  return generateSync({ secret: decodeSecret(p.secret), algorithm: hash, digits: p.digits, guardrails, ...how });
}
