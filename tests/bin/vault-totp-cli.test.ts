// `pvault totp` and the worked example of the README, through bin/main.ts on real device folders (one copy each).
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, json, run, workspace } from './pvault-run.ts';

const ws = workspace();
afterAll(() => ws.cleanup());
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"

describe('pvault totp', () => {
  it('worked example: import an otpauth URI, list it, get its code at an instant', async () => {
    const dev = ws.fresh();
    const file = join(dev, '..', `${dev.split('/').pop()}-codes.txt`);
    writeFileSync(file, `otpauth://totp/Example:alice@example.com?secret=${RFC_SECRET}&issuer=Example&digits=8\n`);
    const imp = await cli(['import', '--dir', dev, file, '--json']);
    expect(imp.status, imp.stderr).toBe(0);
    expect(json(imp)).toMatchObject({
      ok: true,
      format: 'otpauth',
      added: { totp: 1, passwords: 0 },
      basis: '.System',
    });
    expect((await cli(['totp', 'list', '--dir', dev])).stdout).toBe(
      'Example:alice@example.com\tExample\tTOTP SHA1/8/30s\t.System\n',
    );
    const code = await cli(['totp', 'code', '--dir', dev, 'Example:alice@example.com', '--at', '59']);
    expect(code.stdout).toBe('94287082\n');
    const j = json(
      await cli(['totp', 'code', '--dir', dev, 'Example:alice@example.com', '--at', '1111111109', '--json']),
    );
    expect(j).toMatchObject({ code: '07081804', remaining: 1, period: 30, basis: '.System' });
    const again = json(await cli(['import', '--dir', dev, file, '--json']));
    expect(again).toMatchObject({
      added: { totp: 0 },
      duplicates: [{ kind: 'totp', name: 'Example:alice@example.com' }],
    });
  });

  it('add takes the secret from PVAULT_TOTP_SECRET, warns on short secrets; HOTP codes advance; delete', async () => {
    const dev = ws.fresh();
    const add = await cli(['totp', 'add', '--dir', dev, 'bank', '--hotp', '--digits', '6', '--json'], {
      PVAULT_TOTP_SECRET: 'jbsw y3dp ehpk 3pxp',
    });
    expect(add.status, add.stderr).toBe(0);
    expect(json(add).warning).toMatch(/10 bytes/);
    expect(add.stdout + add.stderr).not.toMatch(/JBSW/i);
    const c1 = (await cli(['totp', 'code', '--dir', dev, 'bank'])).stdout;
    const c2 = (await cli(['totp', 'code', '--dir', dev, 'bank'])).stdout;
    expect(c1).not.toBe(c2);
    expect(json(await cli(['totp', 'list', '--dir', dev, '--json']))[0]).toMatchObject({
      name: 'bank',
      hotp: true,
      timestep: 2,
    });
    expect((await cli(['totp', 'delete', '--dir', dev, 'bank'])).status).toBe(0);
    const gone = await cli(['totp', 'code', '--dir', dev, 'bank', '--json']);
    expect(gone.status).toBe(1);
    expect(json(gone).error.code).toBe('NotFound');
  });

  it('never takes a secret from argv; bad input is a typed error and stores nothing', async () => {
    const dev = ws.fresh();
    const env = { PVAULT_TOTP_SECRET: RFC_SECRET };
    expect((await cli(['totp', 'add', '--dir', dev, 'x', '--secret', RFC_SECRET])).status).toBe(2);
    expect((await cli(['totp', 'add', '--dir', dev, 'x'])).status).toBe(2); // no secret anywhere (not a terminal)
    const cases: [string[], Record<string, string>, string][] = [
      [['x'], { PVAULT_TOTP_SECRET: 'not base32!' }, 'BadSecret'],
      [['x', '--digits', '9'], env, 'InvalidInput'],
      [['x', '--digits', '0'], env, 'InvalidInput'],
      [['x', '--period', '0'], env, 'InvalidInput'],
      [['x', '--period', '99999999999'], env, 'InvalidInput'],
      [['x', '--algorithm', 'MD5'], env, 'InvalidInput'],
      [['a\nb'], env, 'InvalidInput'],
      [['n'.repeat(300)], env, 'InvalidInput'],
    ];
    for (const [args, e, code] of cases) {
      const r = await cli(['totp', 'add', '--dir', dev, '--json', ...args], e);
      expect(r.status, args.join(' ')).toBe(1);
      expect(json(r).error.code, args.join(' ')).toBe(code);
      expect(r.stdout).not.toContain('not base32!');
    }
    expect((await cli(['totp', 'add', '--dir', dev, 'x', '--digits', 'six'], env)).status).toBe(2);
    expect(json(await cli(['totp', 'list', '--dir', dev, '--json']))).toEqual([]);
  });

  it('a secret basis: entries go to it, show with their basis, and vanish when it is not unlocked', async () => {
    const dev = ws.fresh();
    const pw = { PVAULT_PASSWORD: 'basis-pw' };
    expect((await cli(['pddb', 'basiscreate', '--dir', dev, 'hidden'], pw)).status).toBe(0);
    expect((await cli(['totp', 'add', '--dir', dev, 'open'], { PVAULT_TOTP_SECRET: RFC_SECRET })).status).toBe(0);
    const h = await cli(['totp', 'add', '--dir', dev, '--basis', 'hidden', 'secret-one', '--json'], {
      ...pw,
      PVAULT_TOTP_SECRET: RFC_SECRET,
    });
    expect(json(h).basis).toBe('hidden');
    const both = json(await cli(['totp', 'list', '--dir', dev, '--basis', 'hidden', '--json'], pw));
    expect(both.map((e: { name: string; basis: string }) => [e.name, e.basis])).toEqual([
      ['open', '.System'],
      ['secret-one', 'hidden'],
    ]);
    expect(json(await cli(['totp', 'list', '--dir', dev, '--json'])).map((e: { name: string }) => e.name)).toEqual([
      'open',
    ]);
  });

  it('the device clock keeps its offset in the folder; --secret-stdin reads one line (real process)', async () => {
    const dev = ws.fresh();
    expect(json(await cli(['totp', 'clock', '--dir', dev, '--set', '1000', '--json'])).now).toBeGreaterThanOrEqual(
      1000,
    );
    // A one-year period: the device time stays in step 0 however slow this machine is, so the code is HOTP(0).
    const r = run(
      ['totp', 'add', '--dir', dev, 'rfc', '--digits', '8', '--period', '31536000', '--secret-stdin'],
      {},
      `${RFC_SECRET}\n`,
    );
    expect(r.status, r.stderr).toBe(0);
    expect((await cli(['totp', 'code', '--dir', dev, 'rfc'])).stdout).toBe('84755224\n');
  });
});
