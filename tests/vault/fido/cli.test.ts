// `pvault fido`, through bin/main.ts on real device folders (a fresh copy each): info, pin set/change with PINs
// from the environment only, list/delete of stored credentials with their basis, reset; failures exit 1 with a
// Ctap code and never echo a PIN.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, json, PIN, workspace } from '../../bin/pvault-run.ts';
import { startAuthenticator } from '../../../vault/fido/in-process.ts';
import { PolicyMode } from '../../../vault/ui/api.ts';
import { register } from './platform.ts';

const ws = workspace();
afterAll(() => ws.cleanup());

/** Make credentials on a device folder as a host would (over CTAP), then power it off. */
async function withCredentials(dir: string, basis?: { name: string; password: string }) {
  const dev = await startAuthenticator({
    image: { path: join(dir, 'pddb.bin') },
    keyboxPath: join(dir, 'keybox.bin'),
    format: false,
    pin: PIN,
  });
  try {
    await dev.ui.setPolicy({ mode: PolicyMode.Approve });
    const sys = await register(dev.fido, { rk: true, rpId: 'example.com', userName: 'alice' });
    if (basis) {
      await dev.pddb.createBasis(basis.name, basis.password);
      await dev.pddb.unlockBasis(basis.name, basis.password);
      await register(dev.fido, { rk: true, rpId: 'secret.example', userName: 'bob' });
    }
    if (!sys.ok) throw new Error('register');
    return sys.json.id;
  } finally {
    await dev.shutdown();
  }
}

describe('pvault fido', () => {
  it('info, then pin set and change from the environment', async () => {
    const dir = ws.fresh();
    const info = json(await cli(['fido', 'info', '--dir', dir, '--json']));
    expect(info).toMatchObject({ ok: true, aaguid: '48e0371c325257f7d2f0000fbd7a8919', options: { clientPin: false } });
    expect((await cli(['fido', 'pin', 'set', '--dir', dir])).status).toBe(2); // no PIN given: usage error, no prompt without a terminal
    expect((await cli(['fido', 'pin', 'set', '--dir', dir], { PVAULT_FIDO_PIN: '7391' })).status).toBe(0);
    expect(json(await cli(['fido', 'info', '--dir', dir, '--json']))).toMatchObject({
      options: { clientPin: true },
      pinRetries: 8,
    });
    const wrong = await cli(['fido', 'pin', 'change', '--dir', dir, '--json'], {
      PVAULT_FIDO_PIN: '0000',
      PVAULT_FIDO_NEW_PIN: '8888',
    });
    expect(wrong.status).toBe(1);
    expect(json(wrong).error.code).toBe('CtapPinInvalid');
    expect(wrong.stdout + wrong.stderr).not.toMatch(/0000|8888/);
    expect(
      (await cli(['fido', 'pin', 'change', '--dir', dir], { PVAULT_FIDO_PIN: '7391', PVAULT_FIDO_NEW_PIN: '8888' }))
        .status,
    ).toBe(0);
    expect(json(await cli(['fido', 'info', '--dir', dir, '--json'])).pinRetries).toBe(8);
    expect((await cli(['fido', 'pin', 'set', '--dir', dir, '--json'], { PVAULT_FIDO_PIN: '1111' })).status).toBe(1); // already set
  });

  it('list shows stored credentials with their basis (a locked basis shows nothing); delete and reset', async () => {
    const dir = ws.fresh();
    const id = await withCredentials(dir, { name: 'hidden', password: 'pw-hidden' });
    const open = json(await cli(['fido', 'list', '--dir', dir, '--json']));
    expect(open).toEqual([
      expect.objectContaining({ id, rpId: 'example.com', userName: 'alice', basis: '.System', discoverable: true }),
    ]);
    const both = json(
      await cli(['fido', 'list', '--dir', dir, '--basis', 'hidden', '--json'], { PVAULT_PASSWORD: 'pw-hidden' }),
    );
    expect(both.map((c: { basis: string }) => c.basis).sort()).toEqual(['.System', 'hidden']);
    expect(
      json(
        await cli(['fido', 'list', '--dir', dir, '--basis', 'hidden', '--rp', 'secret.example', '--json'], {
          PVAULT_PASSWORD: 'pw-hidden',
        }),
      ),
    ).toHaveLength(1);
    expect((await cli(['fido', 'delete', '--dir', dir, 'AAAA', '--json'])).status).toBe(1);
    expect((await cli(['fido', 'delete', '--dir', dir, id])).status).toBe(0);
    expect(json(await cli(['fido', 'list', '--dir', dir, '--json']))).toEqual([]);
    expect((await cli(['fido', 'reset', '--dir', dir])).status).toBe(0);
    expect(
      json(await cli(['fido', 'list', '--dir', dir, '--basis', 'hidden', '--json'], { PVAULT_PASSWORD: 'pw-hidden' })),
    ).toHaveLength(1); // reset could not see it
    expect((await cli(['fido', 'bogus', '--dir', dir])).status).toBe(2);
  }, 60_000);
});
