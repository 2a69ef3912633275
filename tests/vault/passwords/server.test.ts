// The vault.passwords server over IPC on a real file-backed PDDB.
import { afterEach, describe, expect, it } from 'vitest';
import { bootVault, type TestDevice } from '../vault-device.ts';
import { PASSWORD_DICT, passwordKeyName, decodePasswordRecord } from '../../../vault/passwords/record.ts';

let dev: TestDevice | undefined;
afterEach(async () => {
  await dev?.close();
  dev = undefined;
});

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e) => (e as { code?: string }).code,
  );

describe('vault.passwords server', () => {
  it('add, get, list without passwords, filter, delete; records as the original stores them', async () => {
    dev = await bootVault();
    const a = await dev.passwords.add({
      description: 'example.com',
      username: 'alice',
      password: 'hunter2',
      notes: 'main',
    });
    expect(a.key).toBe(passwordKeyName('example.com', 'alice'));
    await dev.passwords.add({ description: 'example.com', username: 'bob', password: 'pw-b', notes: '' });
    await dev.passwords.add({ description: 'bank', username: 'alice', password: 'pw-c', notes: 'savings' });
    const { entries } = await dev.passwords.list();
    expect(entries.map((e) => `${e.description}/${e.username}`)).toEqual([
      'bank/alice',
      'example.com/alice',
      'example.com/bob',
    ]);
    expect(JSON.stringify(entries)).not.toMatch(/hunter2|pw-b|pw-c/);
    expect((await dev.passwords.list('SAVINGS')).entries.map((e) => e.description)).toEqual(['bank']);
    expect((await dev.passwords.get({ description: 'bank' })).record.password).toBe('pw-c');
    expect(await codeOf(dev.passwords.get({ description: 'example.com' }))).toBe('InvalidInput');
    expect((await dev.passwords.get({ description: 'example.com', username: 'bob' })).record.password).toBe('pw-b');
    expect(await codeOf(dev.passwords.add({ description: 'bank', username: 'alice', password: 'x', notes: '' }))).toBe(
      'Duplicate',
    );
    const raw = await (await dev.pddb.get(PASSWORD_DICT, passwordKeyName('bank', 'alice'))).readAll();
    expect(decodePasswordRecord(raw)).toMatchObject({ version: 1, password: 'pw-c', count: 0, atime: 0 });
    await dev.passwords.delete({ description: 'bank' });
    expect(await codeOf(dev.passwords.get({ description: 'bank' }))).toBe('NotFound');
  });

  it('touch (autotype) bumps atime and count from the device clock; edit keeps them, restarts ctime, moves the key', async () => {
    dev = await bootVault();
    await dev.passwords.add({ description: 'site', username: 'u', password: 'p', notes: '' });
    const t1 = await dev.passwords.touch({ description: 'site' });
    const t2 = await dev.passwords.touch({ description: 'site' });
    expect(t2.record.count).toBe(2);
    expect(t2.record.atime).toBeGreaterThanOrEqual(t1.record.atime);
    expect(t2.record.atime).toBeGreaterThan(1_600_000_000);
    const e = await dev.passwords.edit(
      { description: 'site' },
      { description: 'site', username: 'v', password: 'q', notes: 'n' },
    );
    expect(e.key).toBe(passwordKeyName('site', 'v'));
    expect(e.record).toMatchObject({ count: 2, atime: t2.record.atime, password: 'q' });
    expect((await dev.passwords.list()).entries.map((x) => x.username)).toEqual(['v']);
    dev = await dev.reboot();
    expect((await dev.passwords.get({ description: 'site' })).record).toMatchObject({ username: 'v', count: 2 });
  });

  it('newlines, NULs and oversized fields are InvalidInput, nothing stored', async () => {
    dev = await bootVault();
    for (const bad of [
      { description: 'a\nb' },
      { username: 'u\r' },
      { password: 'p\0' },
      { notes: 'x'.repeat(5000) },
      { description: '' },
    ]) {
      expect(
        await codeOf(dev.passwords.add({ description: 'd', username: 'u', password: 'p', notes: '', ...bad })),
      ).toBe('InvalidInput');
    }
    expect((await dev.passwords.list()).entries).toEqual([]);
  });

  it('import is atomic and reports duplicates; a locked basis takes its entries out of the list', async () => {
    dev = await bootVault();
    await dev.pddb.createBasis('hidden', 'pw');
    await dev.pddb.unlockBasis('hidden', 'pw');
    await dev.passwords.add({ description: 'a', username: '', password: '1', notes: '' }, '.System');
    const r = await dev.passwords.import([
      { description: 'a', username: '', password: '2', notes: '' },
      { description: 'b', username: '', password: '3', notes: '' },
      { description: 'b', username: '', password: '4', notes: '' },
    ]);
    expect(r).toEqual({ added: 1, duplicates: [0, 2], basis: 'hidden' });
    expect((await dev.passwords.list()).entries.map((e) => [e.description, e.basis])).toEqual([
      ['a', '.System'],
      ['b', 'hidden'],
    ]);
    await dev.pddb.lockBasis('hidden');
    expect((await dev.passwords.list()).entries.map((e) => e.description)).toEqual(['a']);
  });
});
