// `pvault pw` and `pvault autotype`, through bin/main.ts on real device folders (one copy per test).
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, json, run, workspace } from './pvault-run.ts';
import { reportsToText } from '../../vault/autotype/reports.ts';
import { getLayout } from '../../vault/autotype/layouts.ts';

const ws = workspace();
afterAll(() => ws.cleanup());

function typed(file: string, layout = 'us101'): string {
  const b = readFileSync(file);
  return reportsToText(
    Array.from({ length: b.length / 8 }, (_, i) => new Uint8Array(b.subarray(i * 8, i * 8 + 8))),
    getLayout(layout),
  );
}

describe('pvault pw', () => {
  it('add / get / list / edit / delete; the password shows only with --reveal', async () => {
    const dev = ws.fresh();
    const add = await cli(
      ['pw', 'add', '--dir', dev, 'example.com', '--username', 'alice', '--notes', 'main', '--json'],
      { PVAULT_ENTRY_PASSWORD: 'hunter2' },
    );
    expect(add.status, add.stderr).toBe(0);
    expect(add.stdout).not.toContain('hunter2');
    const get = await cli(['pw', 'get', '--dir', dev, 'example.com']);
    expect(get.stdout).toMatch(/username: alice/);
    expect(get.stdout).not.toContain('hunter2');
    expect(json(await cli(['pw', 'get', '--dir', dev, 'example.com', '--reveal', '--json'])).password).toBe('hunter2');
    expect((await cli(['pw', 'list', '--dir', dev, 'MAIN'])).stdout).toMatch(
      /^example\.com\talice\tused 0x, last never\t\.System\n$/,
    );
    const edit = await cli([
      'pw',
      'edit',
      '--dir',
      dev,
      'example.com',
      '--new-username',
      'bob',
      '--generate',
      '--length',
      '32',
      '--json',
    ]);
    expect(edit.status, edit.stderr).toBe(0);
    const after = json(await cli(['pw', 'get', '--dir', dev, 'example.com', '--reveal', '--json']));
    expect(after).toMatchObject({ username: 'bob', notes: 'main' });
    expect(after.password).toHaveLength(32);
    expect(after.key).not.toBe(json(add).key); // the key follows description|username
    expect((await cli(['pw', 'delete', '--dir', dev, 'example.com'])).status).toBe(0);
    expect(json(await cli(['pw', 'list', '--dir', dev, '--json']))).toEqual([]);
  });

  it('bad input: newline, NUL, oversized fields, ambiguous descriptions, no password source', async () => {
    const dev = ws.fresh();
    const env = { PVAULT_ENTRY_PASSWORD: 'pw' };
    for (const args of [['a\nb'], ['d', '--username', 'u\0'], ['d', '--notes', 'x'.repeat(5000)]]) {
      const r = await cli(['pw', 'add', '--dir', dev, '--json', ...args], env);
      expect(r.status).toBe(1);
      expect(json(r).error.code).toBe('InvalidInput');
    }
    expect((await cli(['pw', 'add', '--dir', dev, 'd'])).status).toBe(2);
    expect((await cli(['pw', 'add', '--dir', dev, 'd', '--password', 'inline'])).status).toBe(2);
    await cli(['pw', 'add', '--dir', dev, 'shared', '--username', 'a'], env);
    await cli(['pw', 'add', '--dir', dev, 'shared', '--username', 'b'], env);
    const amb = await cli(['pw', 'get', '--dir', dev, 'shared', '--json']);
    expect(json(amb).error.code).toBe('InvalidInput');
    expect(json(await cli(['pw', 'add', '--dir', dev, 'shared', '--username', 'a', '--json'], env)).error.code).toBe(
      'Duplicate',
    );
  });

  it('gen: defaults, options, passphrases; impossible requests are errors', async () => {
    const g = json(await cli(['pw', 'gen', '--count', '5', '--json']));
    expect(g.passwords).toHaveLength(5);
    for (const p of g.passwords) expect(p).toMatch(/^(?=.*[0-9])(?=.*[a-z])(?=.*[A-Z])(?=.*[^0-9a-zA-Z]).{20}$/);
    expect((await cli(['pw', 'gen', '--length', '8', '--no-symbols', '--no-upper', '--no-lower'])).stdout).toMatch(
      /^[2-9]{8}\n$/,
    );
    expect((await cli(['pw', 'gen', '--passphrase', '--words', '4', '--separator', '.'])).stdout).toMatch(
      /^[a-z]+(\.[a-z]+){3}\n$/,
    );
    expect((await cli(['pw', 'gen', '--length', '200'])).status).toBe(1);
    expect((await cli(['pw', 'gen', '--length', 'x'])).status).toBe(2);
  });
});

describe('pvault autotype', () => {
  it('types a password into a report file (US101, Dvorak), counts the use; untypable text sends nothing', async () => {
    const dev = ws.fresh();
    await cli(['pw', 'add', '--dir', dev, 'site', '--username', 'me'], { PVAULT_ENTRY_PASSWORD: 'Tr0ub4dor&3' });
    const out = `${dev}-kbd.bin`;
    const r = await cli(['autotype', 'password', '--dir', dev, 'site', '--out', out, '--enter', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ reports: 24, count: 1 });
    expect(typed(out)).toBe('Tr0ub4dor&3\n');
    const dv = `${dev}-dvorak.bin`;
    expect((await cli(['autotype', 'username', '--dir', dev, 'site', '--out', dv, '--layout', 'dvorak'])).status).toBe(
      0,
    );
    expect(typed(dv, 'dvorak')).toBe('me');
    expect(json(await cli(['pw', 'list', '--dir', dev, '--json']))[0].count).toBe(2);

    await cli(['pw', 'add', '--dir', dev, 'intl', '--username', 'x'], { PVAULT_ENTRY_PASSWORD: 'pässwörd' });
    const bad = await cli(['autotype', 'password', '--dir', dev, 'intl', '--out', join(`${dev}-bad.bin`), '--json']);
    expect(bad.status).toBe(1);
    expect(json(bad).error).toMatchObject({ code: 'Untypable', message: expect.stringMatching(/position\(s\) 1, 5/) });
    expect(bad.stdout).not.toMatch(/[äö]/);
    expect(existsSync(`${dev}-bad.bin`)).toBe(false);
    expect(json(await cli(['pw', 'get', '--dir', dev, 'intl', '--json'])).count).toBe(0);
  });

  it('types a TOTP code; --entry-stdin reads the entry password (real process)', async () => {
    const dev = ws.fresh();
    const r = run(['pw', 'add', '--dir', dev, 'stdin-site', '--entry-stdin'], {}, 'from stdin\n');
    expect(r.status, r.stderr).toBe(0);
    expect(json(await cli(['pw', 'get', '--dir', dev, 'stdin-site', '--reveal', '--json'])).password).toBe(
      'from stdin',
    );
    await cli(['totp', 'add', '--dir', dev, 't', '--period', '31536000'], {
      PVAULT_TOTP_SECRET: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
    });
    await cli(['totp', 'clock', '--dir', dev, '--set', '1000']);
    const out = `${dev}-otp.bin`;
    expect((await cli(['autotype', 'totp', '--dir', dev, 't', '--out', out])).status).toBe(0);
    expect(typed(out)).toBe('755224');
  });
});
