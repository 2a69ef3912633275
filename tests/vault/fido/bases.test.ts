// Credentials and the PDDB's secret bases: a credential lives in the basis latest at its creation and does not exist
// while that basis is locked; each basis has its own master keys. State survives restarts on a file-backed image.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAuthenticator, type InProcessAuthenticator } from '../../../vault/fido/in-process.ts';
import { CtapStatus as S } from '../../../vault/fido/status.ts';
import { PolicyMode } from '../../../vault/ui/api.ts';
import { RESERVATION } from '../../../vault/fido/signature-counter.ts';
import { authenticate, ctap, PinSession, register, retries } from './platform.ts';

const counterOf = (authData: string) => Buffer.from(authData, 'base64url').readUInt32BE(33);

describe('locked bases and per-basis identity', () => {
  let dev: InProcessAuthenticator;
  beforeAll(async () => {
    dev = await startAuthenticator({ seed: 'bases' });
    await dev.ui.setPolicy({ mode: PolicyMode.Approve });
    await dev.pddb.createBasis('hidden', 'correct horse');
  });
  afterAll(() => dev.shutdown());

  it('a locked basis hides its credentials from every command', async () => {
    const sys = await register(dev.fido, { rk: true, userId: Uint8Array.of(1) });
    await dev.pddb.unlockBasis('hidden', 'correct horse');
    const hiddenRk = await register(dev.fido, { rk: true, userId: Uint8Array.of(2) });
    const hiddenNonRk = await register(dev.fido, { rk: false });
    if (!sys.ok || !hiddenRk.ok || !hiddenNonRk.ok) throw new Error('register');

    // Stored where the original would: the latest basis at creation.
    expect(await dev.pddb.listKeys('opensk', 'hidden')).toContain('1700');
    const sysKeys = await (await dev.pddb.get('opensk', '2046', { basis: '.System' })).readAll();
    const hiddenKeys = await (await dev.pddb.get('opensk', '2046', { basis: 'hidden' })).readAll();
    expect(Buffer.from(sysKeys).equals(Buffer.from(hiddenKeys))).toBe(false);

    const both = await authenticate(dev.fido);
    if (!both.ok) throw new Error(`getAssertion ${both.status}`);
    expect(both.body.get(5)).toBe(2);
    expect(both.json.response.userHandle).toBe(Buffer.from([2]).toString('base64url')); // newest first
    const next = await ctap(dev.fido, 0x08);
    expect(next.status).toBe(0);
    expect(((next.body!.get(4) as Map<string, Uint8Array>).get('id') as Uint8Array)[0]).toBe(1);
    expect((await ctap(dev.fido, 0x08)).status).toBe(S.NotAllowed);
    expect((await authenticate(dev.fido, { allow: [hiddenNonRk.id] })).status).toBe(0);

    await dev.pddb.lockBasis('hidden');
    const one = await authenticate(dev.fido);
    if (!one.ok) throw new Error(`getAssertion ${one.status}`);
    expect(one.body.has(5)).toBe(false);
    expect(one.json.id).toBe(sys.json.id);
    expect((await authenticate(dev.fido, { allow: [hiddenRk.id] })).status).toBe(S.NoCredentials);
    expect((await authenticate(dev.fido, { allow: [hiddenNonRk.id] })).status).toBe(S.NoCredentials);
    // excludeList cannot probe for it either.
    expect((await register(dev.fido, { excludeList: [hiddenNonRk.id] })).status).toBe(0);

    await dev.pddb.unlockBasis('hidden', 'correct horse');
    expect((await authenticate(dev.fido, { allow: [hiddenNonRk.id] })).status).toBe(0);
    expect((await authenticate(dev.fido, { allow: [hiddenRk.id] })).status).toBe(0);
    await dev.pddb.lockBasis('hidden');
  });

  it('looking does not write: a basis that never held a credential gets no opensk dict', async () => {
    await dev.pddb.createBasis('quiet', 'shh');
    await dev.pddb.unlockBasis('quiet', 'shh');
    expect((await authenticate(dev.fido, { rpId: 'nobody.example' })).status).toBe(S.NoCredentials);
    expect((await authenticate(dev.fido, { allow: [new Uint8Array(64)] })).status).toBe(S.NoCredentials);
    expect(await dev.pddb.listDicts('quiet')).not.toContain('opensk');
    await dev.pddb.lockBasis('quiet');
  });

  it('a basis deleted and made again under the same name is a new identity', async () => {
    await dev.pddb.createBasis('again', 'one');
    await dev.pddb.unlockBasis('again', 'one');
    const old = await register(dev.fido, { rk: false, rpId: 'again.example' });
    if (!old.ok) throw new Error('register');
    await dev.pddb.deleteBasis('again');
    await dev.pddb.createBasis('again', 'two');
    await dev.pddb.unlockBasis('again', 'two');
    expect((await authenticate(dev.fido, { rpId: 'again.example', allow: [old.id] })).status).toBe(S.NoCredentials);
    const fresh = await register(dev.fido, { rk: false, rpId: 'again.example' });
    if (!fresh.ok) throw new Error('register');
    expect((await authenticate(dev.fido, { rpId: 'again.example', allow: [fresh.id] })).status).toBe(0);
    await dev.pddb.lockBasis('again');
  });

  it('credential management lists only the open bases', async () => {
    const pin = new PinSession(dev.fido, 2);
    expect(await pin.setPin('24680')).toBe(0);
    expect(await pin.getToken('24680', 0x04)).toBe(0);
    const meta = async () =>
      (
        await ctap(
          dev.fido,
          0x0a,
          new Map<number, unknown>([
            [1, 1],
            [3, 2],
            [4, pin.authenticate(Uint8Array.of(1))],
          ]),
        )
      ).body!.get(1);
    expect(await meta()).toBe(1); // .System's discoverable credential
    await dev.pddb.unlockBasis('hidden', 'correct horse');
    expect(await meta()).toBe(2);
    await dev.pddb.lockBasis('hidden');
    expect(await meta()).toBe(1);
  });
});

describe('state across restarts (file-backed image)', () => {
  let dir: string;
  let dev: InProcessAuthenticator | undefined;
  afterEach(async () => {
    await dev?.shutdown();
    dev = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const boot = async (format: boolean, fido = {}) => {
    dev = await startAuthenticator({
      image: { path: join(dir, 'pddb.bin') },
      keyboxPath: join(dir, 'keybox.bin'),
      format,
      fido,
    });
    await dev.ui.setPolicy({ mode: PolicyMode.Approve });
    return dev;
  };
  const reboot = async (fido = {}) => {
    await dev!.shutdown();
    return boot(false, fido);
  };

  it('the global signature counter only grows: by 1..8 per use within a boot, past the reserved ceiling after a power cycle', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pvault-fido-'));
    let d = await boot(true);
    const reg = await register(d.fido);
    if (!reg.ok) throw new Error('register');
    let last = Buffer.from(reg.body.get(2) as Uint8Array).readUInt32BE(33); // makeCredential counts too
    expect(last).toBeGreaterThanOrEqual(1);
    for (let boot = 0; boot < 3; boot++) {
      for (let i = 0; i < 3; i++) {
        const a = await authenticate(d.fido, { allow: [reg.id] });
        if (!a.ok) throw new Error(`getAssertion ${a.status}`);
        const c = counterOf(a.json.response.authenticatorData);
        expect(c - last).toBeGreaterThanOrEqual(1);
        // The first use after a boot resumes above the ceiling the last boot reserved.
        expect(c - last).toBeLessThanOrEqual(i === 0 && boot > 0 ? RESERVATION + 8 : 8);
        last = c;
      }
      d = await reboot();
    }
  });

  it('per-credential counters count each stored credential from 1', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pvault-fido-'));
    let d = await boot(true, { counter: 'per-credential' });
    const a = await register(d.fido, { rk: true, userId: Uint8Array.of(1) });
    const b = await register(d.fido, { rk: true, userId: Uint8Array.of(2) });
    if (!a.ok || !b.ok) throw new Error('register');
    const count = async (id: Uint8Array) => {
      const r = await authenticate(d.fido, { allow: [id] });
      if (!r.ok) throw new Error(`getAssertion ${r.status}`);
      return counterOf(r.json.response.authenticatorData);
    };
    expect(await count(a.id)).toBe(1);
    expect(await count(a.id)).toBe(2);
    expect(await count(b.id)).toBe(1);
    d = await reboot({ counter: 'per-credential' });
    expect(await count(a.id)).toBe(3);
  });

  it('PIN retries survive a restart; the three-per-boot block does not', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pvault-fido-'));
    let d = await boot(true);
    expect(await new PinSession(d.fido, 2).setPin('13579')).toBe(0);
    const s = new PinSession(d.fido, 2);
    expect(await s.getToken('00000')).toBe(S.PinInvalid);
    expect(await s.getToken('00001')).toBe(S.PinInvalid);
    expect(await s.getToken('00002')).toBe(S.PinAuthBlocked);
    expect(await retries(d.fido)).toBe(5);
    d = await reboot();
    expect(await retries(d.fido)).toBe(5);
    const t = new PinSession(d.fido, 1);
    expect(await t.getToken('00003')).toBe(S.PinInvalid);
    expect(await t.getToken('13579')).toBe(0);
    expect(await retries(d.fido)).toBe(8);
    // Eight wrong in all (over several boots) block the PIN for good: only reset clears it.
    for (let boot = 0; boot < 3; boot++) {
      const guess = new PinSession(d.fido, 2);
      for (let i = 0; i < 3 && (await retries(d.fido)) > 0; i++) await guess.getToken('99999');
      d = await reboot();
    }
    expect(await retries(d.fido)).toBe(0);
    expect(await new PinSession(d.fido, 2).getToken('13579')).toBe(S.PinBlocked);
  }, 60_000);
});

describe('what the IPC trace shows', () => {
  it('sizes only: no PIN, RP, user or key material in the trace of a PIN setup, a registration and a sign-in', async () => {
    const dev = await startAuthenticator({ seed: 'trace', trace: true });
    try {
      await dev.ui.setPolicy({ mode: PolicyMode.Approve });
      const pin = new PinSession(dev.fido, 2);
      expect(await pin.setPin('864209')).toBe(0);
      expect(await pin.getToken('864209', 0x03, 'secret-site.example')).toBe(0);
      const reg = await register(dev.fido, { rk: true, rpId: 'secret-site.example', userName: 'carol-the-user', pin });
      if (!reg.ok) throw new Error(`register ${reg.status}`);
      expect((await authenticate(dev.fido, { rpId: 'secret-site.example', pin })).status).toBe(0);
      const trace = JSON.stringify(dev.kernel.trace.toJSON()) + dev.kernel.trace.toSequenceDiagram();
      expect(trace).toContain('_FIDO authenticator_.Cbor');
      for (const secret of [
        '864209',
        'secret-site',
        'carol-the-user',
        Buffer.from(reg.id).toString('hex').slice(0, 16),
        reg.json.id.slice(0, 16),
      ]) {
        expect(trace).not.toContain(secret);
      }
    } finally {
      await dev.shutdown();
    }
  });
});
