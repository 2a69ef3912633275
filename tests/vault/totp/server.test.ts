// The vault.totp server over IPC on a real file-backed PDDB: CRUD, codes, HOTP counters, bases, the trace.
import { afterEach, describe, expect, it } from 'vitest';
import { base32nopad } from '@scure/base';
import type { Mode } from '../../../transports/ipc/index.ts';
import { bootVault, type TestDevice } from '../vault-device.ts';
import { totpKeyName, TOTP_DICT, decodeTotpRecord } from '../../../vault/totp/record.ts';
import { isVaultError } from '../../../vault/records/errors.ts';
import type { NewTotp } from '../../../vault/totp/client.ts';

const seed20 = base32nopad.encode(new TextEncoder().encode('12345678901234567890'));
const entry = (name: string, more: Partial<NewTotp> = {}): NewTotp => ({
  name,
  secret: seed20,
  issuer: '',
  algorithm: 'SHA1',
  digits: 8,
  timestep: 30,
  hotp: false,
  notes: '',
  ...more,
});

let dev: TestDevice | undefined;
afterEach(async () => {
  await dev?.close();
  dev = undefined;
});

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (x) => x,
  );
  expect(e, `expected ${code}`).toBeDefined();
  expect((e as { code?: string }).code).toBe(code);
}

describe.each<Mode>(['thread', 'worker'])('vault.totp server (%s mode)', (mode) => {
  it('adds, lists without secrets, gives RFC 6238 codes at an instant, deletes', async () => {
    dev = await bootVault({ mode });
    const added = await dev.totp.add(entry('rfc', { issuer: 'IETF' }));
    expect(added.key).toBe(totpKeyName('rfc'));
    expect(added.basis).toBe('.System');
    const { entries } = await dev.totp.list();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ name: 'rfc', issuer: 'IETF', basis: '.System', digits: 8 });
    expect(JSON.stringify(entries)).not.toContain(seed20);
    const c = await dev.totp.code('rfc', { at: 1111111109 });
    expect(c).toMatchObject({ code: '07081804', remaining: 1, period: 30, basis: '.System' });
    // The stored value is the original's record, readable straight from the PDDB.
    const raw = await (await dev.pddb.get(TOTP_DICT, totpKeyName('rfc'))).readAll();
    expect(decodeTotpRecord(raw)).toMatchObject({
      name: 'rfc',
      secret: seed20,
      version: 2,
      hotp: false,
      issuer: 'IETF',
    });
    await rejects(dev.totp.add(entry('rfc')), 'Duplicate');
    await dev.totp.delete('rfc');
    await rejects(dev.totp.code('rfc'), 'NotFound');
    expect((await dev.totp.list()).entries).toEqual([]);
  });
});

describe('vault.totp server', () => {
  it('HOTP: each code advances the stored counter before it is returned', async () => {
    dev = await bootVault();
    await dev.totp.add(entry('h', { hotp: true, timestep: 0, digits: 6 }));
    expect(await dev.totp.code('h')).toMatchObject({ code: '755224', counter: 0 });
    expect(await dev.totp.code('h')).toMatchObject({ code: '287082', counter: 1 });
    dev = await dev.reboot();
    expect(await dev.totp.code('h')).toMatchObject({ code: '359152', counter: 2 });
    expect((await dev.totp.list()).entries[0].timestep).toBe(3);
  });

  it('bad entries are refused with typed errors and nothing is stored', async () => {
    dev = await bootVault();
    const bad: Partial<NewTotp>[] = [
      { secret: 'not base32!' },
      { algorithm: 'MD5' as 'SHA1' },
      { digits: 9 },
      { digits: 0 },
      { timestep: 0 },
      { timestep: 2 ** 40 },
      { name: 'a\nb' },
      { name: '' },
      { notes: 'x'.repeat(5000) },
      { name: 'n'.repeat(300) },
      { issuer: 'i\0' },
    ];
    for (const b of bad) {
      const e = await dev.totp.add(entry('x', b)).then(
        () => undefined,
        (x) => x,
      );
      expect(isVaultError(e), JSON.stringify(b).slice(0, 60)).toBe(true);
    }
    expect((await dev.totp.list()).entries).toEqual([]);
  });
});

describe('vault.totp and secret bases', () => {
  it('lists the union with each basis; writes go to the latest or a named basis; locking drops entries at once', async () => {
    dev = await bootVault();
    await dev.totp.add(entry('sys'));
    await dev.pddb.createBasis('work', 'pw');
    await dev.pddb.unlockBasis('work', 'pw');
    await dev.totp.add(entry('w'));
    await dev.totp.add(entry('sys2'), { basis: '.System' });
    const names = (await dev.totp.list()).entries.map((e) => [e.name, e.basis]);
    expect(names).toEqual([
      ['sys', '.System'],
      ['sys2', '.System'],
      ['w', 'work'],
    ]);
    await dev.pddb.lockBasis('work');
    expect((await dev.totp.list()).entries.map((e) => e.name)).toEqual(['sys', 'sys2']);
    await rejects(dev.totp.code('w'), 'NotFound');
    await dev.pddb.unlockBasis('work', 'pw');
    expect((await dev.totp.code('w', { basis: 'work', at: 59 })).code).toBe('94287082');
  });

  it('edit is delete + create: a rename moves the key, ctime restarts', async () => {
    dev = await bootVault();
    const a = await dev.totp.add(entry('old'));
    const b = await dev.totp.edit('old', entry('new', { notes: 'renamed' }));
    expect(b.key).toBe(totpKeyName('new'));
    expect(b.key).not.toBe(a.key);
    expect(b.record.ctime).toBeGreaterThanOrEqual(a.record.ctime);
    expect((await dev.totp.list()).entries.map((e) => e.name)).toEqual(['new']);
  });

  it('the trace shows the app talking to the PDDB, and no secret', async () => {
    dev = await bootVault();
    await dev.totp.add(entry('traced'));
    await dev.totp.code('traced', { at: 59 });
    const diagram = dev.kernel.trace.toSequenceDiagram();
    expect(diagram).toMatch(/vault\.totp/);
    expect(diagram).toMatch(/KeyRequest|WriteKey/);
    const json = JSON.stringify(dev.kernel.trace.toJSON());
    expect(json).not.toContain(seed20);
    expect(json).not.toContain('94287082');
  });
});
