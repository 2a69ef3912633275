// Registration and authentication through the authenticator over IPC, verified by @simplewebauthn/server 14 for
// every algorithm and attestation format.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import { startAuthenticator, type InProcessAuthenticator } from '../../../vault/fido/in-process.ts';
import { PolicyMode } from '../../../vault/ui/api.ts';
import { authenticate, b64u, ORIGIN, PinSession, register, RP } from './platform.ts';

const ALGS = [-7, -8, -257] as const;
const MODES = ['self', 'batch', 'none'] as const;

describe.each(MODES)('attestation %s', (attestation) => {
  let dev: InProcessAuthenticator;
  beforeAll(async () => {
    dev = await startAuthenticator({ seed: `webauthn-${attestation}`, fido: { attestation } });
    await dev.ui.setPolicy({ mode: PolicyMode.Approve });
  });
  afterAll(() => dev.shutdown());

  it.each(ALGS)('alg %i registers and authenticates (SimpleWebAuthn)', async (alg) => {
    const reg = await register(dev.fido, { algs: [alg] });
    expect(reg.status).toBe(0);
    if (!reg.ok) return;
    expect(reg.body.get(1)).toBe(attestation === 'none' ? 'none' : 'packed');
    const v = await verifyRegistrationResponse({
      response: reg.json,
      expectedChallenge: reg.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP,
      requireUserVerification: false,
      supportedAlgorithmIDs: [alg],
    });
    expect(v.verified).toBe(true);
    const info = v.registrationInfo!;
    expect(info.fmt).toBe(attestation === 'none' ? 'none' : 'packed');
    expect(info.credential.id).toBe(b64u(reg.id));

    let counter = info.credential.counter;
    for (let i = 0; i < 2; i++) {
      const a = await authenticate(dev.fido, { allow: [reg.id] });
      expect(a.status).toBe(0);
      if (!a.ok) return;
      const av = await verifyAuthenticationResponse({
        response: a.json,
        expectedChallenge: a.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP,
        credential: { id: info.credential.id, publicKey: info.credential.publicKey, counter },
        requireUserVerification: false,
      });
      expect(av.verified).toBe(true);
      expect(av.authenticationInfo.newCounter).toBeGreaterThan(counter);
      counter = av.authenticationInfo.newCounter;
    }

    // A tampered signature does not verify: the check above is real.
    const a = await authenticate(dev.fido, { allow: [reg.id] });
    if (!a.ok) throw new Error('assertion failed');
    const sig = Buffer.from(a.json.response.signature, 'base64url');
    sig[sig.length - 1] ^= 1;
    await expect(
      verifyAuthenticationResponse({
        response: { ...a.json, response: { ...a.json.response, signature: b64u(sig) } },
        expectedChallenge: a.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP,
        credential: { id: info.credential.id, publicKey: info.credential.publicKey, counter },
        requireUserVerification: false,
      }).then(
        (r) => r.verified,
        () => false,
      ),
    ).resolves.toBe(false);
  });
});

describe('user verification with a PIN', () => {
  let dev: InProcessAuthenticator;
  beforeAll(async () => {
    dev = await startAuthenticator({ seed: 'webauthn-uv', fido: { attestation: 'batch' } });
    await dev.ui.setPolicy({ mode: PolicyMode.Approve });
  });
  afterAll(() => dev.shutdown());

  it.each([1, 2] as const)(
    'requireUserVerification: true passes with PIN protocol %i, discoverable credential',
    async (version) => {
      const pin = new PinSession(dev.fido, version);
      if (version === 1) expect(await pin.setPin('4826')).toBe(0);
      expect(await pin.getToken('4826', 0x03, RP)).toBe(0);
      const reg = await register(dev.fido, { algs: [-8, -7], rk: true, pin, userId: Uint8Array.of(version) });
      if (!reg.ok) throw new Error(`makeCredential ${reg.status}`);
      const v = await verifyRegistrationResponse({
        response: reg.json,
        expectedChallenge: reg.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP,
        requireUserVerification: true,
      });
      expect(v.verified).toBe(true);
      const a = await authenticate(dev.fido, { pin });
      if (!a.ok) throw new Error(`getAssertion ${a.status}`);
      expect(a.json.response.userHandle).toBe(b64u(Uint8Array.of(version)));
      const av = await verifyAuthenticationResponse({
        response: a.json,
        expectedChallenge: a.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP,
        credential: {
          id: v.registrationInfo!.credential.id,
          publicKey: v.registrationInfo!.credential.publicKey,
          counter: v.registrationInfo!.credential.counter,
        },
        requireUserVerification: true,
      });
      expect(av.verified).toBe(true);
    },
  );
});
