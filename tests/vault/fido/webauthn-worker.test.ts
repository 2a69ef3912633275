// The same flow with every server in its own worker thread (Move detaches, a crash is a real crash): the IPC
// boundary is real, not a function call in disguise.
import { describe, expect, it } from 'vitest';
import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import { startAuthenticator } from '../../../vault/fido/in-process.ts';
import { PolicyMode } from '../../../vault/ui/api.ts';
import { authenticate, ORIGIN, register, RP } from './platform.ts';

describe('worker mode (each server in its own thread)', () => {
  it('registers and authenticates, verified by SimpleWebAuthn', async () => {
    const dev = await startAuthenticator({ mode: 'worker', seed: 'webauthn-worker', fido: { attestation: 'batch' } });
    try {
      await dev.ui.setPolicy({ mode: PolicyMode.Approve });
      const reg = await register(dev.fido, { algs: [-7], rk: true });
      if (!reg.ok) throw new Error(`makeCredential ${reg.status}`);
      const v = await verifyRegistrationResponse({
        response: reg.json,
        expectedChallenge: reg.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP,
        requireUserVerification: false,
      });
      expect(v.verified).toBe(true);
      const a = await authenticate(dev.fido);
      if (!a.ok) throw new Error(`getAssertion ${a.status}`);
      const c = v.registrationInfo!.credential;
      const av = await verifyAuthenticationResponse({
        response: a.json,
        expectedChallenge: a.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP,
        credential: { id: c.id, publicKey: c.publicKey, counter: c.counter },
        requireUserVerification: false,
      });
      expect(av.verified).toBe(true);
    } finally {
      await dev.shutdown();
    }
  });
});
