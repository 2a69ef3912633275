// The stored form of a password entry, byte for byte as the original's storage.rs writes it.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { decodePasswordRecord, encodePasswordRecord, passwordKeyName } from '../../../vault/passwords/record.ts';

describe('password record', () => {
  const r = {
    version: 1,
    description: 'example.com',
    username: 'alice',
    password: 'p:ss w0rd',
    notes: 'n',
    ctime: 10,
    atime: 20,
    count: 3,
    extra: [],
  };
  const text =
    'version:1\ndescription:example.com\nusername:alice\npassword:p:ss w0rd\nnotes:n\nctime:10\natime:20\ncount:3\n';

  it('encodes the eight tag lines in the original order and reads them back', () => {
    expect(Buffer.from(encodePasswordRecord(r)).equals(Buffer.from(text))).toBe(true);
    expect(decodePasswordRecord(new TextEncoder().encode(text))).toEqual(r);
  });

  it('names the key SHA-256(description | username), uppercase hex, no separator', () => {
    expect(passwordKeyName('example.com', 'alice')).toBe(
      createHash('sha256').update('example.comalice').digest('hex').toUpperCase(),
    );
    expect(passwordKeyName('ab', 'c')).toBe(passwordKeyName('a', 'bc'));
  });

  it('keeps unknown tags and bad counters are InvalidRecord', () => {
    const x = decodePasswordRecord(new TextEncoder().encode(text + 'totp:otpauth://x\n'));
    expect(new TextDecoder().decode(encodePasswordRecord(x))).toBe(text + 'totp:otpauth://x\n');
    expect(() => decodePasswordRecord(new TextEncoder().encode('count:1e3\n'))).toThrow(
      expect.objectContaining({ code: 'InvalidRecord' }),
    );
  });
});
