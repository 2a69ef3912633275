// The WebAuthn client with the authenticator's servers in worker threads (messages cross as transferred buffers):
// the same ceremonies verify with SimpleWebAuthn, UV with a PIN included.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { startAuthenticator, type InProcessAuthenticator } from '../../../vault/fido/in-process.ts';
import { CtapHost } from '../../../vault/fido/host.ts';
import { PolicyMode } from '../../../vault/ui/api.ts';
import { WebAuthnClient } from '../../../transports/webauthn/index.ts';

let dev: InProcessAuthenticator;
beforeAll(async () => {
  dev = await startAuthenticator({ mode: 'worker', seed: 'webauthn-worker' });
  await dev.ui.setPolicy({ mode: PolicyMode.Approve });
  await new CtapHost(dev.fido).setPin('1357');
}, 60_000);
afterAll(() => dev.shutdown());

it('registers and signs in with the PIN verified, servers in workers', async () => {
  const client = new WebAuthnClient(dev.fido, { pin: '1357' });
  const origin = 'https://worker.example';
  const reg = await generateRegistrationOptions({
    rpName: 'W',
    rpID: 'worker.example',
    userName: 'w',
    attestationType: 'direct',
    authenticatorSelection: { userVerification: 'required' },
  });
  const r = await client.create(reg, { origin });
  const v = await verifyRegistrationResponse({
    response: r,
    expectedChallenge: reg.challenge,
    expectedOrigin: origin,
    expectedRPID: 'worker.example',
  });
  expect(v.verified).toBe(true);
  const auth = await generateAuthenticationOptions({
    rpID: 'worker.example',
    userVerification: 'required',
    allowCredentials: [{ id: r.id }],
  });
  const a = await client.get(auth, { origin });
  const av = await verifyAuthenticationResponse({
    response: a,
    expectedChallenge: auth.challenge,
    expectedOrigin: origin,
    expectedRPID: 'worker.example',
    credential: v.registrationInfo!.credential,
  });
  expect(av.verified).toBe(true);
  expect(av.authenticationInfo.userVerified).toBe(true);
}, 60_000);
