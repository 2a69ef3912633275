// The stored form of a TOTP entry, byte for byte as the original's storage.rs writes it.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { decodeTotpRecord, encodeTotpRecord, totpKeyName, type TotpRecord } from '../../../vault/totp/record.ts';
import { isVaultError } from '../../../vault/records/errors.ts';

const enc = (s: string) => new TextEncoder().encode(s);

const base: TotpRecord = {
  version: 2,
  secret: 'JBSWY3DPEHPK3PXP',
  name: 'github',
  algorithm: 'SHA1',
  notes: 'work account',
  digits: 6,
  timestep: 30,
  hotp: false,
  ctime: 1700000000,
  issuer: '',
  extra: [],
};

describe('TOTP record', () => {
  it('encodes the nine tag lines in the original order', () => {
    const expected =
      'version:2\nsecret:JBSWY3DPEHPK3PXP\nname:github\nalgorithm:SHA1\nnotes:work account\ndigits:6\ntimestep:30\nhotp:0\nctime:1700000000\n';
    expect(Buffer.from(encodeTotpRecord(base)).equals(Buffer.from(expected))).toBe(true);
    expect(decodeTotpRecord(enc(expected))).toEqual(base);
  });

  it('names the key by uppercase hex SHA-256 of the name', () => {
    expect(totpKeyName('github')).toBe(createHash('sha256').update('github').digest('hex').toUpperCase());
    expect(totpKeyName('github')).toMatch(/^[0-9A-F]{64}$/);
  });

  it('HOTP keeps its counter in timestep; issuer and unknown tags survive a rewrite in order', () => {
    const stored =
      'version:2\nsecret:GEZDGNBVGY3TQOJQ\nname:bank\nalgorithm:SHA256\nnotes:\ndigits:8\ntimestep:41\nhotp:1\nctime:5\nfuture:x:y\nissuer:Bank\nother:1\n';
    const r = decodeTotpRecord(enc(stored));
    expect(r).toMatchObject({ hotp: true, timestep: 41, digits: 8, algorithm: 'SHA256', issuer: 'Bank' });
    expect(r.extra).toEqual([
      ['future', 'x:y'],
      ['other', '1'],
    ]);
    const again = new TextDecoder().decode(encodeTotpRecord({ ...r, timestep: 42 }));
    expect(again).toBe(
      'version:2\nsecret:GEZDGNBVGY3TQOJQ\nname:bank\nalgorithm:SHA256\nnotes:\ndigits:8\ntimestep:42\nhotp:1\nctime:5\nissuer:Bank\nfuture:x:y\nother:1\n',
    );
  });

  it('reads a v1 record (no hotp line) and skips lines without a colon, as the original', () => {
    const r = decodeTotpRecord(
      enc('version:1\nsecret:AAAA\ngarbage\nname:n\nalgorithm:SHA512\nnotes:\ndigits:6\ntimestep:0\nctime:1'),
    );
    expect(r).toMatchObject({ version: 1, hotp: false, timestep: 0, algorithm: 'SHA512', secret: 'AAAA' });
  });

  it('refuses bad UTF-8, bad numbers, unknown algorithms with InvalidRecord', () => {
    for (const bad of [
      new Uint8Array([0x76, 0x3a, 0xff]),
      enc('digits:six\n'),
      enc('algorithm:MD5\n'),
      enc('timestep:-1\n'),
      enc('version:99999999999\n'),
    ]) {
      expect(() => decodeTotpRecord(bad)).toThrow(expect.objectContaining({ code: 'InvalidRecord' }));
    }
  });

  it('refuses a newline in a field when encoding', () => {
    let err: unknown;
    try {
      encodeTotpRecord({ ...base, notes: 'a\nversion:9' });
    } catch (e) {
      err = e;
    }
    expect(isVaultError(err, 'InvalidInput')).toBe(true);
  });
});
