// RFC 4226 appendix D and RFC 6238 appendix B vectors, through our wrapper over otplib.
import { describe, expect, it } from 'vitest';
import { base32nopad } from '@scure/base';
import { hotpCode, totpCode } from '../../../vault/totp/otp.ts';
import { normalizeSecret, secretWarning } from '../../../vault/totp/secret.ts';
import { isVaultError } from '../../../vault/records/errors.ts';

const ascii = (s: string) => base32nopad.encode(new TextEncoder().encode(s));
const seed20 = ascii('12345678901234567890');
const seed32 = ascii('12345678901234567890123456789012');
const seed64 = ascii('1234567890123456789012345678901234567890123456789012345678901234');

describe('HOTP (RFC 4226 appendix D)', () => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  it.each(expected.map((c, i) => [i, c]))('counter %i -> %s', (counter, code) => {
    expect(hotpCode({ secret: seed20, algorithm: 'SHA1', digits: 6 }, counter as number)).toBe(code);
  });
});

describe('TOTP (RFC 6238 appendix B, 8 digits, 30 s)', () => {
  const rows: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];
  it.each(rows)('T=%i', (t, sha1, sha256, sha512) => {
    const p = { digits: 8, period: 30 };
    expect(totpCode({ ...p, secret: seed20, algorithm: 'SHA1' }, t).code).toBe(sha1);
    expect(totpCode({ ...p, secret: seed32, algorithm: 'SHA256' }, t).code).toBe(sha256);
    expect(totpCode({ ...p, secret: seed64, algorithm: 'SHA512' }, t).code).toBe(sha512);
  });

  it('reports the seconds left in the period; step 0 is read as 1 as in the original', () => {
    expect(totpCode({ secret: seed20, algorithm: 'SHA1', digits: 6, period: 30 }, 59).remaining).toBe(1);
    expect(totpCode({ secret: seed20, algorithm: 'SHA1', digits: 6, period: 30 }, 60).remaining).toBe(30);
    const zero = totpCode({ secret: seed20, algorithm: 'SHA1', digits: 6, period: 0 }, 1234);
    expect(zero).toEqual({ ...totpCode({ secret: seed20, algorithm: 'SHA1', digits: 6, period: 1 }, 1234) });
  });

  it('works with 10-byte secrets (below otplib default guardrail) and warns about them', () => {
    const short = normalizeSecret('jbsw y3dp ehpk 3pxp');
    expect(short).toBe('JBSWY3DPEHPK3PXP');
    expect(totpCode({ secret: short, algorithm: 'SHA1', digits: 6, period: 30 }, 0).code).toMatch(/^\d{6}$/);
    expect(secretWarning(short)).toMatch(/10 bytes/);
    expect(secretWarning(seed20)).toBeUndefined();
    expect(normalizeSecret('JBSWY3DPEHPK3PXP======')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('bad base32 and bad times are typed errors', () => {
    for (const s of ['JBSWY3DPEHPK3PX1', '', 'AB', '!!!!']) {
      let err: unknown;
      try {
        normalizeSecret(s);
      } catch (e) {
        err = e;
      }
      expect(isVaultError(err, 'BadSecret'), s).toBe(true);
    }
    expect(() => totpCode({ secret: seed20, algorithm: 'SHA1', digits: 6, period: 30 }, -1)).toThrow(/InvalidInput/);
    expect(() => totpCode({ secret: seed20, algorithm: 'MD5' as 'SHA1', digits: 6, period: 30 }, 1)).toThrow(
      /InvalidInput/,
    );
  });
});
