// The success paths of the CTAP 2.1 features past register/sign-in: extensions (credProtect, hmac-secret and
// hmac-secret-mc, credBlob, largeBlobKey, minPinLength), credential management, authenticatorConfig, selection,
// changePIN, getInfo.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from 'cborg';
import { startAuthenticator, type InProcessAuthenticator } from '../../../vault/fido/in-process.ts';
import { CtapStatus as S } from '../../../vault/fido/status.ts';
import { PolicyMode } from '../../../vault/ui/api.ts';
import { authenticate, ctap, PinSession, register, RP, sha256 } from './platform.ts';

const PIN = '31415';

describe('CTAP 2.1 features', () => {
  let dev: InProcessAuthenticator;
  let pin: PinSession;
  beforeAll(async () => {
    dev = await startAuthenticator({ seed: 'features' });
    await dev.ui.setPolicy({ mode: PolicyMode.Approve });
    pin = new PinSession(dev.fido, 2);
    expect(await pin.setPin(PIN)).toBe(0);
  });
  afterAll(() => dev.shutdown());

  const token = async (permissions: number, rpId?: string) => {
    expect(await pin.getToken(PIN, permissions, rpId)).toBe(0);
    return pin;
  };

  it('getInfo lists versions, options, algorithms and limits as canonical CBOR', async () => {
    const r = await ctap(dev.fido, 0x04);
    const opts = r.body!.get(4) as Map<string, boolean>;
    expect(opts.get('clientPin')).toBe(true);
    expect(opts.get('credMgmt')).toBe(true);
    expect(r.body!.get(6)).toEqual([2, 1]);
    expect((r.body!.get(0x0a) as Map<string, number>[]).map((m) => m.get('alg'))).toEqual([-7, -8, -257]);
    expect(Buffer.from(r.body!.get(3) as Uint8Array).toString('hex')).toBe('48e0371c325257f7d2f0000fbd7a8919');
  });

  it('credProtect 3 hides a credential without UV; 2 lets an allowList find it', async () => {
    const uvRequired = await register(dev.fido, {
      rk: true,
      userId: Uint8Array.of(3),
      pin: await token(0x01, RP),
      extensions: new Map([['credProtect', 3]]),
    });
    if (!uvRequired.ok) throw new Error(`register ${uvRequired.status}`);
    expect(uvRequired.json.response.attestationObject.length).toBeGreaterThan(0);
    expect((await authenticate(dev.fido, { allow: [uvRequired.id] })).status).toBe(S.NoCredentials);
    expect((await authenticate(dev.fido, { allow: [uvRequired.id], pin: await token(0x02, RP) })).status).toBe(0);
    const listOnly = await register(dev.fido, {
      rk: true,
      userId: Uint8Array.of(4),
      pin: await token(0x01, RP),
      extensions: new Map([['credProtect', 2]]),
    });
    if (!listOnly.ok) throw new Error('register');
    expect((await authenticate(dev.fido, { allow: [listOnly.id] })).status).toBe(0);
    expect((await authenticate(dev.fido)).status).toBe(S.NoCredentials); // no allowList, no UV: neither is discoverable
  });

  it('hmac-secret: the same salt gives the same secret, another salt or UV state another; -mc answers at creation', async () => {
    const salt = new Uint8Array(32).fill(7);
    const mcPin = await token(0x01, RP);
    const reg = await register(dev.fido, {
      rk: true,
      userId: Uint8Array.of(5),
      pin: mcPin,
      extensions: new Map<string, unknown>([
        ['hmac-secret', true],
        ['hmac-secret-mc', mcPin.hmacSecretInput(salt)],
      ]),
    });
    if (!reg.ok) throw new Error(`register ${reg.status}`);
    const authData = reg.body.get(2) as Uint8Array;
    expect(authData[32] & 0x80).toBe(0x80); // ED flag
    const { decodeFirst, decode } = await import('cborg');
    const idLen = (authData[53] << 8) | authData[54];
    const [, extBytes] = decodeFirst(authData.subarray(55 + idLen), { useMaps: true });
    const mcExt = decode(extBytes, { useMaps: true }) as Map<string, unknown>;
    expect(mcExt.get('hmac-secret')).toBe(true);
    const atCreation = Buffer.from(mcPin.decrypt(mcExt.get('hmac-secret-mc') as Uint8Array));
    const secretWith = async (s: Uint8Array, uv: boolean) => {
      const session = uv ? await token(0x02, RP) : pin;
      if (!uv) await session.agree();
      const a = await authenticate(dev.fido, {
        allow: [reg.id],
        pin: uv ? session : undefined,
        extensions: new Map([['hmac-secret', session.hmacSecretInput(s)]]),
      });
      if (!a.ok) throw new Error(`getAssertion ${a.status}`);
      const ad = Buffer.from(a.json.response.authenticatorData, 'base64url');
      const ext = (await import('cborg')).decode(ad.subarray(37), { useMaps: true }) as Map<string, Uint8Array>;
      return Buffer.from(session.decrypt(ext.get('hmac-secret')!));
    };
    const one = await secretWith(salt, true);
    expect(one.length).toBe(32);
    // hmac-secret-mc at creation gave the same secret (so PRF works at registration).
    expect(atCreation.equals(one)).toBe(true);
    expect((await secretWith(salt, true)).equals(one)).toBe(true);
    expect((await secretWith(new Uint8Array(32).fill(8), true)).equals(one)).toBe(false);
    expect((await secretWith(salt, false)).equals(one)).toBe(false);
    const two = await secretWith(new Uint8Array(64).fill(7), true);
    expect(two.length).toBe(64);
    expect(two.subarray(0, 32).equals(one)).toBe(true);
  });

  it('credBlob is stored with a discoverable credential and read back; largeBlobKey comes back at both ends', async () => {
    const blob = new TextEncoder().encode('little secret');
    const reg = await register(dev.fido, {
      rk: true,
      userId: Uint8Array.of(6),
      rpId: 'blob.example',
      pin: await token(0x01, 'blob.example'),
      extensions: new Map<string, unknown>([
        ['credBlob', blob],
        ['largeBlobKey', true],
      ]),
    });
    if (!reg.ok) throw new Error(`register ${reg.status}`);
    const key = reg.body.get(5) as Uint8Array;
    expect(key.length).toBe(32);
    const a = await authenticate(dev.fido, {
      rpId: 'blob.example',
      pin: await token(0x02, 'blob.example'),
      extensions: new Map([
        ['credBlob', true],
        ['largeBlobKey', true],
      ]),
    });
    if (!a.ok) throw new Error(`getAssertion ${a.status}`);
    expect(Buffer.from(a.body.get(7) as Uint8Array).equals(Buffer.from(key))).toBe(true);
    const ad = Buffer.from(a.json.response.authenticatorData, 'base64url');
    const ext = (await import('cborg')).decode(ad.subarray(37), { useMaps: true }) as Map<string, Uint8Array>;
    expect(Buffer.from(ext.get('credBlob')!).equals(Buffer.from(blob))).toBe(true);
    // Too long a blob is refused softly (credBlob: false), the credential still made.
    const long = await register(dev.fido, {
      rk: true,
      userId: Uint8Array.of(7),
      rpId: 'blob.example',
      pin: await token(0x01, 'blob.example'),
      extensions: new Map([['credBlob', new Uint8Array(33)]]),
    });
    expect(long.status).toBe(0);
  });

  it('credential management: metadata, RPs, credentials, update, delete', async () => {
    const cm = async (sub: number, params?: Map<number, unknown>) => {
      const m = new Map<number, unknown>([[1, sub]]);
      if (params) m.set(2, params);
      if (sub !== 3 && sub !== 5) {
        const t = await token(0x04);
        m.set(3, 2);
        m.set(4, t.authenticate(new Uint8Array([sub, ...(params ? encode(params) : [])])));
      }
      return ctap(dev.fido, 0x0a, m);
    };
    const meta = await cm(1);
    const total = meta.body!.get(1) as number;
    expect(total).toBeGreaterThanOrEqual(4);
    expect(meta.body!.get(2)).toBe(150 - total);
    const first = await cm(2);
    const rps = [first.body!.get(3) as Map<string, string>];
    for (let i = 1; i < (first.body!.get(5) as number); i++)
      rps.push((await cm(3)).body!.get(3) as Map<string, string>);
    expect(rps.map((r) => r.get('id')).sort()).toEqual(['blob.example', RP]);
    expect((await cm(3)).status).toBe(S.NotAllowed);
    const creds = await cm(4, new Map([[1, sha256(RP)]]));
    const n = creds.body!.get(9) as number;
    const all = [creds.body!];
    for (let i = 1; i < n; i++) all.push((await cm(5)).body!);
    const target = all.find((c) => ((c.get(6) as Map<string, Uint8Array>).get('id') as Uint8Array)[0] === 5)!;
    const desc = target.get(7) as Map<string, unknown>;
    expect(
      (
        await cm(
          7,
          new Map<number, unknown>([
            [2, desc],
            [
              3,
              new Map<string, unknown>([
                ['id', Uint8Array.of(5)],
                ['name', 'renamed'],
              ]),
            ],
          ]),
        )
      ).status,
    ).toBe(0);
    expect(
      (
        await cm(
          7,
          new Map<number, unknown>([
            [2, desc],
            [3, new Map<string, unknown>([['id', Uint8Array.of(9)]])],
          ]),
        )
      ).status,
    ).toBe(S.InvalidParameter);
    const again = await cm(4, new Map([[1, sha256(RP)]]));
    const names = [again.body!];
    for (let i = 1; i < n; i++) names.push((await cm(5)).body!);
    expect(names.some((c) => (c.get(6) as Map<string, unknown>).get('name') === 'renamed')).toBe(true);
    expect((await cm(6, new Map([[2, desc]]))).status).toBe(0);
    expect((await cm(6, new Map([[2, desc]]))).status).toBe(S.NoCredentials);
    expect((await cm(1)).body!.get(1)).toBe(total - 1);
  });

  it('authenticatorConfig: alwaysUv and setMinPINLength (forcing a PIN change); changePIN', async () => {
    const cfg = async (sub: number, params?: Map<number, unknown>) => {
      const t = await token(0x20);
      const msg = Buffer.concat([
        Buffer.alloc(32, 0xff),
        Buffer.from([0x0d, sub]),
        params ? Buffer.from(encode(params)) : Buffer.alloc(0),
      ]);
      const m = new Map<number, unknown>([
        [1, sub],
        [3, 2],
        [4, t.authenticate(msg)],
      ]);
      if (params) m.set(2, params);
      return ctap(dev.fido, 0x0d, m);
    };
    expect((await ctap(dev.fido, 0x0d, new Map([[1, 2]]))).status).toBe(S.PuatRequired);
    expect((await cfg(2)).status).toBe(0);
    expect(((await ctap(dev.fido, 0x04)).body!.get(4) as Map<string, boolean>).get('alwaysUv')).toBe(true);
    expect((await register(dev.fido, { rk: false })).status).toBe(S.PuatRequired);
    expect((await cfg(2)).status).toBe(0);
    expect((await cfg(3, new Map([[1, 3]]))).status).toBe(S.PinPolicyViolation);
    expect(
      (
        await cfg(
          3,
          new Map<number, unknown>([
            [1, 6],
            [2, [RP]],
          ]),
        )
      ).status,
    ).toBe(0);
    const info = await ctap(dev.fido, 0x04);
    expect(info.body!.get(0x0d)).toBe(6);
    expect(info.body!.get(0x0c)).toBe(true); // the 5-digit PIN must change
    expect(await pin.getToken(PIN, 0x01, RP)).toBe(S.PinPolicyViolation);
    expect(await pin.changePin(PIN, '12345')).toBe(S.PinPolicyViolation); // too short now
    expect(await pin.changePin(PIN, '271828')).toBe(0);
    expect(await pin.getToken('271828', 0x01, RP)).toBe(0);
    const reg = await register(dev.fido, { pin, extensions: new Map([['minPinLength', true]]) });
    if (!reg.ok) throw new Error(`register ${reg.status}`);
    const ad = reg.body.get(2) as Uint8Array;
    expect(Buffer.from(ad).includes(Buffer.from(encode('minPinLength')))).toBe(true);
  });

  it('selection asks for a touch', async () => {
    expect((await ctap(dev.fido, 0x0b)).status).toBe(0);
    await dev.ui.setPolicy({ mode: PolicyMode.Deny });
    expect((await ctap(dev.fido, 0x0b)).status).toBe(S.OperationDenied);
    await dev.ui.setPolicy({ mode: PolicyMode.Approve });
  });
});

describe('seeded randomness', () => {
  it.each([-7, -8])('the same seed makes the same alg %i credential (reproducible runs)', async (alg) => {
    const made: Buffer[] = [];
    for (let i = 0; i < 2; i++) {
      const dev = await startAuthenticator({ seed: 'same-seed' });
      try {
        await dev.ui.setPolicy({ mode: PolicyMode.Approve });
        const reg = await register(dev.fido, { algs: [alg], challenge: 'fixed' });
        if (!reg.ok) throw new Error(`register ${reg.status}`);
        made.push(Buffer.from(reg.body.get(2) as Uint8Array));
      } finally {
        await dev.shutdown();
      }
    }
    expect(made[0].equals(made[1])).toBe(true);
    const other = await startAuthenticator({ seed: 'other-seed' });
    try {
      await other.ui.setPolicy({ mode: PolicyMode.Approve });
      const reg = await register(other.fido, { algs: [alg] });
      if (!reg.ok) throw new Error('register');
      expect(Buffer.from(reg.body.get(2) as Uint8Array).equals(made[0])).toBe(false);
    } finally {
      await other.shutdown();
    }
  });
});
