// `pvault import` and `pvault export otpauth|qr|aegis|csv`, through bin/main.ts on real device folders.
import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { PNG } from 'pngjs';
import { cli, json, workspace } from './pvault-run.ts';

const ws = workspace();
afterAll(() => ws.cleanup());
const fixture = (f: string) => new URL(`../vault/transfer/fixtures/${f}`, import.meta.url).pathname;
const names = async (dev: string) =>
  json(await cli(['totp', 'list', '--dir', dev, '--json'])).map((e: { name: string }) => e.name);

describe('pvault import', () => {
  it('imports an encrypted Aegis vault with PVAULT_IMPORT_PASSWORD; a wrong one is WrongPassword, nothing stored', async () => {
    const dev = ws.fresh();
    const wrong = await cli(['import', '--dir', dev, fixture('aegis_encrypted.json'), '--json'], {
      PVAULT_IMPORT_PASSWORD: 'wrong',
    });
    expect(wrong.status).toBe(1);
    expect(json(wrong).error.code).toBe('WrongPassword');
    // One Steam entry is refused: without --skip-invalid nothing at all is stored.
    const strict = await cli(['import', '--dir', dev, fixture('aegis_encrypted.json'), '--json'], {
      PVAULT_IMPORT_PASSWORD: 'test',
    });
    expect(strict.status).toBe(1);
    expect(json(strict).error.message).toMatch(/entry 7.*steam/);
    expect(await names(dev)).toEqual([]);
    const ok = await cli(['import', '--dir', dev, fixture('aegis_encrypted.json'), '--skip-invalid', '--json'], {
      PVAULT_IMPORT_PASSWORD: 'test',
    });
    expect(ok.status, ok.stderr).toBe(0);
    expect(json(ok)).toMatchObject({
      format: 'aegis',
      added: { totp: 6, passwords: 0 },
      refused: [{ where: 'entry 7' }],
    });
    expect(await names(dev)).toHaveLength(6);
  });

  it('a Bitwarden file adds passwords and TOTP together; hostile files are typed errors', async () => {
    const dev = ws.fresh();
    const file = `${dev}-bw.json`;
    writeFileSync(
      file,
      JSON.stringify({
        encrypted: false,
        items: [{ type: 1, name: 'GitHub', login: { username: 'octo', password: 'pw', totp: 'JBSWY3DPEHPK3PXP' } }],
      }),
    );
    const r = json(await cli(['import', '--dir', dev, file, '--json']));
    expect(r).toMatchObject({ format: 'bitwarden', added: { totp: 1, passwords: 1 } });
    const bad = `${dev}-bad.txt`;
    for (const [content, code] of [
      ['otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5', 'InvalidInput'],
      ['{"items": [', 'BadFormat'],
      ['\u0000\u0001', 'InvalidInput'],
    ] as const) {
      writeFileSync(bad, content);
      const x = await cli(['import', '--dir', dev, bad, '--json']);
      expect(x.status, content).toBe(1);
      expect(json(x).error.code, content).toBe(code);
    }
    expect((await cli(['import', '--dir', dev, bad, '--format', 'nope'])).status).toBe(2);
    expect(await names(dev)).toEqual(['GitHub:octo']);
  });
});

describe('pvault export', () => {
  it('otpauth export round-trips into another device: same entries, same codes', async () => {
    const a = ws.fresh();
    const src = `${a}-in.txt`;
    writeFileSync(
      src,
      [
        'otpauth://totp/ACME%20Co:john%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=45',
        'otpauth://hotp/counter?secret=JBSWY3DPEHPK3PXP&counter=5',
      ].join('\n'),
    );
    expect((await cli(['import', '--dir', a, src])).status).toBe(0);
    const out = `${a}-out.txt`;
    expect((await cli(['export', 'otpauth', '--dir', a, '--out', out])).status).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect((await cli(['export', 'otpauth', '--dir', a, '--out', out])).status).toBe(1); // never overwrites
    const b = ws.fresh();
    expect((await cli(['import', '--dir', b, out])).status).toBe(0);
    expect(await names(b)).toEqual(await names(a));
    const codeIn = async (dev: string) =>
      (await cli(['totp', 'code', '--dir', dev, 'ACME Co:john@example.com', '--at', '1234567890'])).stdout;
    expect(await codeIn(b)).toBe(await codeIn(a));
    expect(readFileSync(out, 'utf8')).toContain('otpauth://hotp/counter?secret=JBSWY3DPEHPK3PXP');
  });

  it('csv export is formula-safe; aegis export reads back; qr writes PNG files', async () => {
    const dev = ws.fresh();
    await cli(['pw', 'add', '--dir', dev, '=cmd|calc', '--username', '@me'], { PVAULT_ENTRY_PASSWORD: '+1,"quoted"' });
    const csv = await cli(['export', 'csv', '--dir', dev]);
    expect(parseCsv(csv.stdout)).toEqual([
      ['site', 'username', 'password', 'notes'],
      ["'=cmd|calc", "'@me", '\'+1,"quoted"', ''],
    ]);
    await cli(['totp', 'add', '--dir', dev, 'Svc:me', '--issuer', 'Svc'], { PVAULT_TOTP_SECRET: 'JBSWY3DPEHPK3PXP' });
    const aegis = JSON.parse((await cli(['export', 'aegis', '--dir', dev])).stdout);
    expect(aegis.db.entries).toEqual([
      expect.objectContaining({
        type: 'totp',
        name: 'me',
        issuer: 'Svc',
        info: { secret: 'JBSWY3DPEHPK3PXP', algo: 'SHA1', digits: 6, period: 30 },
      }),
    ]);
    const dir = `${dev}-qr`;
    const q = await cli(['export', 'qr', '--dir', dev, '--out', dir, '--json']);
    expect(q.status, q.stderr).toBe(0);
    const files = readdirSync(dir);
    expect(files).toEqual(['001-Svc_me.png']);
    expect(PNG.sync.read(readFileSync(join(dir, files[0]))).width).toBeGreaterThan(100);
    expect((await cli(['export', 'qr', '--dir', dev])).stdout).toMatch(/^Svc:me\n/);
  });
});
