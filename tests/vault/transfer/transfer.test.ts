// Import parsers and export writers: files written by independent code (node:crypto for Aegis), hostile input everywhere.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { encode as cbor } from 'cborg';
import { parse as parseCsv } from 'csv-parse/sync';
import { PNG } from 'pngjs';
import { formatOtpauth, parseOtpauth } from '../../../vault/transfer/otpauth.ts';
import { decodeMigrationUri, encodeMigrationUri } from '../../../vault/transfer/ga-migration.ts';
import { parseImport, IMPORT_FILE_MAX } from '../../../vault/transfer/import.ts';
import { exportAegis } from '../../../vault/transfer/aegis.ts';
import { exportPasswordsCsv } from '../../../vault/transfer/csv.ts';
import { qrPng, qrTerminal } from '../../../vault/transfer/qr.ts';
import { SeededRandom } from '../../../lib/random.ts';
import { TOTP_RECORD_VERSION } from '../../../vault/totp/record.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const fixture = (f: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${f}`, import.meta.url)));
const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
};

describe('otpauth URIs', () => {
  it('reads every parameter; issuer from the label or the parameter; lowercase, padded, spaced secrets', () => {
    expect(
      parseOtpauth(
        'otpauth://totp/ACME%20Co:john@example.com?secret=jbsw%20y3dp-ehpk3pxp%3D%3D&issuer=ACME+Co&algorithm=sha256&digits=8&period=60',
      ),
    ).toEqual({
      name: 'ACME Co:john@example.com',
      issuer: 'ACME Co',
      secret: 'JBSWY3DPEHPK3PXP',
      algorithm: 'SHA256',
      digits: 8,
      timestep: 60,
      hotp: false,
      notes: '',
    });
    expect(parseOtpauth('otpauth://hotp/alice?secret=JBSWY3DPEHPK3PXP&issuer=Bank&counter=7')).toMatchObject({
      name: 'Bank:alice',
      issuer: 'Bank',
      hotp: true,
      timestep: 7,
    });
    expect(parseOtpauth('otpauth://totp/Example%3Abob?secret=JBSWY3DPEHPK3PXP')).toMatchObject({
      name: 'Example:bob',
      issuer: 'Example',
      timestep: 30,
      digits: 6,
      algorithm: 'SHA1',
    });
  });

  it('round-trips losslessly through export', () => {
    for (const uri of [
      'otpauth://totp/ACME%20Co:john%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA512&digits=8&period=45',
      'otpauth://hotp/solo?secret=GEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&counter=12',
    ]) {
      const e = parseOtpauth(uri);
      expect(parseOtpauth(formatOtpauth(e))).toEqual(e);
      expect(formatOtpauth(e)).toBe(uri);
    }
  });

  it('malformed URIs, bad base32, unknown algorithms, zero or huge periods and digits are typed errors', () => {
    const cases: [string, string][] = [
      ['not a uri', 'BadFormat'],
      ['https://example.com/?secret=AAAA', 'BadFormat'],
      ['otpauth://motp/x?secret=JBSWY3DPEHPK3PXP', 'Unsupported'],
      ['otpauth://totp/x', 'BadSecret'],
      ['otpauth://totp/x?secret=JBSW1!', 'BadSecret'],
      ['otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5', 'Unsupported'],
      ['otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=abc', 'InvalidInput'],
      ['otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=99999999999999999999', 'InvalidInput'],
      ['otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&secret=AAAA', 'BadFormat'],
      ['otpauth://totp/%E0%A4%A?secret=JBSWY3DPEHPK3PXP', 'BadFormat'],
      [`otpauth://totp/x?secret=${'A'.repeat(5000)}`, 'TooLarge'],
    ];
    for (const [uri, code] of cases)
      expect(
        codeOf(() => parseOtpauth(uri)),
        uri.slice(0, 60),
      ).toBe(code);
    // Range checks (zero or huge periods and digits) are the record's rules, applied to every import line.
    const batch = parseImport(
      enc(
        'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=0\notpauth://totp/b?secret=JBSWY3DPEHPK3PXP&digits=12\notpauth://totp/c?secret=JBSWY3DPEHPK3PXP&period=4294967296\notpauth://totp/d?secret=JBSWY3DPEHPK3PXP\n',
      ),
    );
    expect(batch.totp.map((t) => t.name)).toEqual(['d']);
    expect(batch.refused.map((r) => r.where)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(batch.refused.map((r) => r.reason).join('|')).toMatch(/period.*digits.*period/);
  });
});

describe('Google Authenticator migration', () => {
  it('decodes several batches with protobufjs, SHA/digits/HOTP mapped', () => {
    const secret = new Uint8Array(Buffer.from('12345678901234567890'));
    const text = [
      encodeMigrationUri([{ secret, name: 'alice@example.com', issuer: 'Example', algorithm: 1, digits: 1, type: 2 }], {
        index: 0,
        size: 2,
        id: 7,
      }),
      encodeMigrationUri(
        [
          { secret, name: 'Bank:bob', issuer: 'Bank', algorithm: 3, digits: 2, type: 1, counter: 5 },
          { secret, name: 'md5', algorithm: 4, type: 2 },
        ],
        { index: 1, size: 2, id: 7 },
      ),
    ].join('\n');
    const b = parseImport(enc(text));
    expect(b.format).toBe('ga-migration');
    expect(b.totp).toEqual([
      {
        name: 'Example:alice@example.com',
        issuer: 'Example',
        secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
        algorithm: 'SHA1',
        digits: 6,
        timestep: 30,
        hotp: false,
        notes: '',
      },
      {
        name: 'Bank:bob',
        issuer: 'Bank',
        secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
        algorithm: 'SHA512',
        digits: 8,
        timestep: 5,
        hotp: true,
        notes: '',
      },
    ]);
    expect(b.refused).toEqual([{ where: 'line 2, account 2', reason: expect.stringMatching(/MD5/) }]);
  });

  it('truncated, hostile or non-base64 payloads are BadFormat, never a crash', () => {
    const good = encodeMigrationUri([{ secret: new Uint8Array(10), name: 'x', type: 2 }]);
    const data = Buffer.from(decodeURIComponent(good.split('data=')[1]), 'base64');
    const hostile = [
      data.subarray(0, data.length - 3),
      Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), // a 4 GiB length prefix
      Buffer.from([0x0a, 0x05, 0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), // overlong varint
      Buffer.from([0x0f]), // wire type 7
    ];
    for (const h of hostile) {
      const uri = `otpauth-migration://offline?data=${encodeURIComponent(h.toString('base64'))}`;
      expect(codeOf(() => decodeMigrationUri(uri))).toBe('BadFormat');
    }
    expect(codeOf(() => decodeMigrationUri('otpauth-migration://offline?data=%%%'))).toBe('BadFormat');
    expect(codeOf(() => decodeMigrationUri('otpauth-migration://offline?nodata=1'))).toBe('BadFormat');
  });
});

describe('Aegis', () => {
  const expected = [
    'Lovelace Labs:ada',
    'Compiler Co:grace@navy.example',
    'Bletchley:alan',
    'Goto Considered:edsger',
    'Liskov Substitutes:barbara',
    'Tex Works:donald',
  ];

  it('reads a plain Aegis vault; a Steam entry is refused by position', () => {
    const b = parseImport(fixture('aegis_plain.json'));
    expect(b.format).toBe('aegis');
    expect(b.totp.map((t) => t.name)).toEqual(expected);
    expect(b.totp[4]).toMatchObject({
      hotp: true,
      timestep: 50,
      digits: 7,
      algorithm: 'SHA256',
      secret: 'KUVJJOM753IHTNDSZVCNKL7GII',
    });
    expect(b.refused).toEqual([{ where: 'entry 7', reason: expect.stringMatching(/steam/) }]);
  });

  it('decrypts an Aegis vault encrypted by node:crypto (scrypt slot + AES-GCM); a wrong password is WrongPassword', () => {
    const b = parseImport(fixture('aegis_encrypted.json'), { password: 'test' });
    expect(b.totp.map((t) => t.name)).toEqual(expected);
    expect(codeOf(() => parseImport(fixture('aegis_encrypted.json'), { password: 'nope' }))).toBe('WrongPassword');
    expect(codeOf(() => parseImport(fixture('aegis_encrypted.json')))).toBe('WrongPassword');
  }, 30_000);

  it('refuses hostile scrypt parameters before running them, and exports a plain vault it reads back', () => {
    const doc = JSON.parse(new TextDecoder().decode(fixture('aegis_encrypted.json')));
    doc.header.slots[0].n = 2 ** 30;
    expect(codeOf(() => parseImport(enc(JSON.stringify(doc)), { password: 'test' }))).toBe('Unsupported');
    const records = parseImport(fixture('aegis_plain.json')).totp.map((t) => ({
      ...t,
      version: TOTP_RECORD_VERSION,
      ctime: 0,
      extra: [],
    }));
    const again = parseImport(enc(exportAegis(records, new SeededRandom('uuid'))));
    expect(again.totp).toEqual(records.map(({ version: _v, ctime: _c, extra: _e, ...t }) => t));
  });
});

describe('Bitwarden, KeePassXC, CSV, vault backup', () => {
  it('Bitwarden JSON: logins become passwords, their TOTP keeps its real parameters', () => {
    const doc = {
      encrypted: false,
      items: [
        {
          type: 1,
          name: 'GitHub',
          notes: null,
          login: {
            username: 'octo',
            password: 'pw1',
            totp: 'otpauth://totp/GitHub:octo?secret=JBSWY3DPEHPK3PXP&digits=8&algorithm=SHA256&period=60&issuer=GitHub',
          },
        },
        { type: 1, name: 'Plain', login: { username: 'u', password: 'pw2', totp: 'jbsw y3dp ehpk 3pxp' } },
        { type: 2, name: 'a secure note' },
        { type: 1, name: 'Steam', login: { username: 's', password: 'pw3', totp: 'steam://ABCDEF' } },
      ],
    };
    const b = parseImport(enc(JSON.stringify(doc)));
    expect(b.format).toBe('bitwarden');
    expect(b.passwords.map((p) => [p.description, p.username, p.password])).toEqual([
      ['GitHub', 'octo', 'pw1'],
      ['Plain', 'u', 'pw2'],
      ['Steam', 's', 'pw3'],
    ]);
    expect(b.totp).toEqual([
      expect.objectContaining({ name: 'GitHub:octo', digits: 8, algorithm: 'SHA256', timestep: 60 }),
      expect.objectContaining({
        name: 'Plain:u',
        issuer: 'Plain',
        secret: 'JBSWY3DPEHPK3PXP',
        digits: 6,
        timestep: 30,
      }),
    ]);
    expect(b.refused.map((r) => r.where)).toEqual(['item 3', 'item 4 (TOTP)']);
    expect(codeOf(() => parseImport(enc(JSON.stringify({ encrypted: true, items: [] }))))).toBe('Unsupported');
  });

  it('KeePassXC CSV with quotes and a TOTP column; a multi-line note is refused, not mangled', () => {
    const csv = [
      '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"',
      '"Root","Mail","me","p,""q""","https://mail","","otpauth://totp/Mail:me?secret=JBSWY3DPEHPK3PXP&issuer=Mail","0","2024","2024"',
      '"Root","Multi","me","x","","line1\nline2","","0","2024","2024"',
    ].join('\n');
    const b = parseImport(enc(csv));
    expect(b.format).toBe('keepassxc-csv');
    expect(b.passwords).toEqual([{ description: 'Mail', username: 'me', password: 'p,"q"', notes: '' }]);
    expect(b.totp).toEqual([expect.objectContaining({ name: 'Mail:me' })]);
    expect(b.refused).toEqual([{ where: 'row 3', reason: expect.stringMatching(/newline/) }]);
  });

  it('site,username,password,notes CSV: header optional; NULs, newlines, bad column counts and broken quoting refused', () => {
    const b = parseImport(
      enc(
        'site,username,password,notes\nexample.com,alice,"pa,ss",hi\nbad.com,"u\0",p,\nshort,x\n"multi","line\nuser",p,\n',
      ),
      { format: 'csv' },
    );
    expect(b.passwords).toEqual([{ description: 'example.com', username: 'alice', password: 'pa,ss', notes: 'hi' }]);
    expect(b.refused.map((r) => r.where)).toEqual(['row 3', 'row 4', 'row 5']);
    expect(codeOf(() => parseImport(enc('a,"b\nc,d'), { format: 'csv' }))).toBe('BadFormat');
  });

  it("the original's backup DataPacket, as CBOR and as JSON", () => {
    const totp = new Map<number, unknown>([
      [1, 2],
      [
        2,
        [
          new Map<number, unknown>([
            [1, 30],
            [2, 'JBSWY3DPEHPK3PXP'],
            [3, 6],
            [4, 2],
            [5, 'svc'],
          ]),
          new Map<number, unknown>([
            [1, 9],
            [2, 'JBSWY3DPEHPK3PXP'],
            [3, 6],
            [4, 1],
            [5, 'h'],
            [6, true],
          ]),
        ],
      ],
    ]);
    const pw = new Map<number, unknown>([
      [1, 1],
      [
        2,
        [
          new Map<number, unknown>([
            [1, 'site'],
            [2, 'user'],
            [3, 'pw'],
            [4, ''],
          ]),
        ],
      ],
    ]);
    const b = parseImport(cbor([totp, pw]));
    expect(b.format).toBe('vault-backup');
    expect(b.totp).toEqual([
      expect.objectContaining({ name: 'svc', algorithm: 'SHA256', timestep: 30, hotp: false }),
      expect.objectContaining({ name: 'h', timestep: 9, hotp: true }),
    ]);
    expect(b.passwords).toEqual([{ description: 'site', username: 'user', password: 'pw', notes: '' }]);
    const json = parseImport(enc(JSON.stringify({ 1: 2, 2: [{ 1: 30, 2: 'JBSWY3DPEHPK3PXP', 3: 8, 4: 3, 5: 'j' }] })));
    expect(json.totp).toEqual([expect.objectContaining({ name: 'j', digits: 8, algorithm: 'SHA512' })]);
    expect(codeOf(() => parseImport(new Uint8Array([0xa2, 0x01, 0x02, 0x02])))).toBe('BadFormat');
  });

  it('oversized, non-UTF-8 and unknown JSON files are typed errors', () => {
    expect(codeOf(() => parseImport(new Uint8Array(IMPORT_FILE_MAX + 1)))).toBe('TooLarge');
    expect(codeOf(() => parseImport(new Uint8Array([0x6f, 0xff, 0xfe])))).toBe('BadFormat');
    expect(codeOf(() => parseImport(enc('{"hello": 1}')))).toBe('BadFormat');
    expect(codeOf(() => parseImport(enc('{"items": [')))).toBe('BadFormat');
  });
});

describe('exports', () => {
  it('CSV export neutralises formulas and survives quotes and commas', () => {
    const csv = exportPasswordsCsv([
      { description: '=HYPERLINK("http://evil")', username: '+1', password: '-2,"x"', notes: '@SUM(A1)' },
      { description: 'plain', username: 'u', password: 'p', notes: '' },
    ]);
    const rows = parseCsv(csv) as string[][];
    expect(rows[0]).toEqual(['site', 'username', 'password', 'notes']);
    expect(rows[1]).toEqual(['\'=HYPERLINK("http://evil")', "'+1", '\'-2,"x"', "'@SUM(A1)"]);
    expect(rows[2]).toEqual(['plain', 'u', 'p', '']);
  });

  it('QR codes for the terminal and as a decodable PNG', async () => {
    const uri = 'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP';
    expect((await qrTerminal(uri)).split('\n').length).toBeGreaterThan(10);
    const png = PNG.sync.read(await qrPng(uri));
    expect(png.width).toBeGreaterThan(100);
    expect(png.width).toBe(png.height);
  });
});
