// The WebAuthn client against @simplewebauthn/server 14: options from generate*Options, responses verified by
// verify*Response; browser rules, UV with a PIN, extensions, hostile options and the negative-testing switches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { startAuthenticator, type InProcessAuthenticator } from '../../../vault/fido/in-process.ts';
import { CtapHost } from '../../../vault/fido/host.ts';
import { PolicyMode } from '../../../vault/ui/api.ts';
import { WebAuthnClient } from '../../../transports/webauthn/index.ts';
import { SeededRandom } from '../../../lib/random.ts';

const RP_ID = 'example.com';
const ORIGIN = 'https://example.com';

let dev: InProcessAuthenticator;
let client: WebAuthnClient;
beforeAll(async () => {
  dev = await startAuthenticator({ seed: 'webauthn-client' });
  await dev.ui.setPolicy({ mode: PolicyMode.Approve });
  client = new WebAuthnClient(dev.fido, { random: new SeededRandom('client') });
});
afterAll(() => dev.shutdown());

async function register(
  c: WebAuthnClient,
  opts: Partial<Parameters<typeof generateRegistrationOptions>[0]> = {},
  requireUserVerification = false,
) {
  const rpID = opts.rpID ?? RP_ID;
  const options = await generateRegistrationOptions({ rpName: 'Example', rpID, userName: 'alice', ...opts });
  const response = await c.create(options, { origin: `https://${rpID}` });
  const v = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: `https://${rpID}`,
    expectedRPID: rpID,
    requireUserVerification,
  });
  expect(v.verified).toBe(true);
  return { response, credential: v.registrationInfo!.credential, info: v.registrationInfo! };
}

async function signIn(
  c: WebAuthnClient,
  credential: WebAuthnCredential,
  opts: Partial<Parameters<typeof generateAuthenticationOptions>[0]> = {},
  requireUserVerification = false,
) {
  const options = await generateAuthenticationOptions({
    rpID: RP_ID,
    allowCredentials: [{ id: credential.id }],
    ...opts,
  });
  const response = await c.get(options, { origin: ORIGIN });
  const v = await verifyAuthenticationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential,
    requireUserVerification,
  });
  return { response, v };
}

describe('ceremonies verified by SimpleWebAuthn', () => {
  it('registers (attestation none: fmt none, zero AAGUID) and signs in twice with a rising counter', async () => {
    const { response, credential, info } = await register(client);
    expect(info.fmt).toBe('none');
    expect(info.aaguid).toBe('00000000-0000-0000-0000-000000000000');
    expect(response.clientExtensionResults).toEqual({ credProps: { rk: true } });
    expect(response.response.publicKey).toBeDefined();
    expect(response.id).toBe(response.rawId);
    let counter = credential.counter;
    for (let i = 0; i < 2; i++) {
      const { v } = await signIn(client, { ...credential, counter });
      expect(v.verified).toBe(true);
      expect(v.authenticationInfo.newCounter).toBeGreaterThan(counter);
      counter = v.authenticationInfo.newCounter;
    }
  });

  it('direct attestation is packed with the AAGUID; every algorithm the RP offers by default works', async () => {
    for (const alg of [-8, -7, -257]) {
      const { info, credential } = await register(client, { attestationType: 'direct', supportedAlgorithmIDs: [alg] });
      expect(info.fmt).toBe('packed');
      expect(info.aaguid).not.toBe('00000000-0000-0000-0000-000000000000');
      expect((await signIn(client, credential)).v.verified).toBe(true);
    }
  });

  it('a discoverable credential signs in without allowCredentials and returns the user handle', async () => {
    const { credential, response } = await register(client, {
      authenticatorSelection: { residentKey: 'required' },
      userName: 'discoverable',
      rpID: 'disc.example.com',
    });
    expect(response.clientExtensionResults.credProps).toEqual({ rk: true });
    const options = await generateAuthenticationOptions({ rpID: 'disc.example.com' });
    const a = await client.get(options, { origin: 'https://disc.example.com' });
    expect(a.id).toBe(credential.id);
    expect(a.response.userHandle).toBeDefined();
  });

  it('over CTAPHID to a socket listener: the same ceremonies', async () => {
    const { attachCtaphid } = await import('../../../transports/ctaphid/attach.ts');
    const hid = await attachCtaphid(dev.kernel.process('ctaphid-wa'), ['tcp:127.0.0.1:0']);
    const remote = await WebAuthnClient.connect(hid.listeners[0].url);
    try {
      const { credential } = await register(remote, { attestationType: 'direct' });
      expect((await signIn(remote, credential)).v.verified).toBe(true);
    } finally {
      remote.close();
      await hid.close();
    }
  });
});

describe('browser rules', () => {
  it('origin and RP ID: https or localhost, RP ID a registrable suffix', async () => {
    const options = await generateRegistrationOptions({ rpName: 'x', rpID: RP_ID, userName: 'u' });
    await expect(client.create(options, { origin: 'http://example.com' })).rejects.toMatchObject({
      name: 'SecurityError',
    });
    await expect(client.create(options, { origin: 'https://evil.com' })).rejects.toMatchObject({
      name: 'SecurityError',
    });
    await expect(client.create(options, { origin: 'https://notexample.com' })).rejects.toMatchObject({
      name: 'SecurityError',
    });
    await expect(
      client.create({ ...options, rp: { name: 'x', id: 'com' } }, { origin: 'https://example.com' }),
    ).rejects.toMatchObject({ name: 'SecurityError' });
    await expect(client.create(options, { origin: 'https://example.com/path' })).rejects.toMatchObject({
      name: 'SecurityError',
    });
    await expect(client.create(options, { origin: 'not a url' })).rejects.toMatchObject({ name: 'SecurityError' });
    const sub = await client.create(options, { origin: 'https://login.example.com' });
    const v = await verifyRegistrationResponse({
      response: sub,
      expectedChallenge: options.challenge,
      expectedOrigin: 'https://login.example.com',
      expectedRPID: RP_ID,
      requireUserVerification: false,
    });
    expect(v.verified).toBe(true);
    const local = await generateRegistrationOptions({ rpName: 'x', rpID: 'localhost', userName: 'u' });
    const lr = await client.create(local, { origin: 'http://localhost:8080' });
    expect(JSON.parse(Buffer.from(lr.response.clientDataJSON, 'base64url').toString())).toEqual({
      type: 'webauthn.create',
      challenge: local.challenge,
      origin: 'http://localhost:8080',
      crossOrigin: false,
    });
  });

  it('excludeCredentials -> InvalidStateError; unknown allowCredentials -> NotAllowedError', async () => {
    const { credential } = await register(client);
    const again = await generateRegistrationOptions({
      rpName: 'x',
      rpID: RP_ID,
      userName: 'alice',
      excludeCredentials: [{ id: credential.id }],
    });
    await expect(client.create(again, { origin: ORIGIN })).rejects.toMatchObject({ name: 'InvalidStateError' });
    const none = await generateAuthenticationOptions({
      rpID: RP_ID,
      allowCredentials: [{ id: 'AAAAAAAAAAAAAAAAAAAAAA' }],
    });
    await expect(client.get(none, { origin: ORIGIN })).rejects.toMatchObject({ name: 'NotAllowedError' });
  });

  it('hostile options JSON gets the errors a browser gives', async () => {
    const good = await generateRegistrationOptions({ rpName: 'x', rpID: RP_ID, userName: 'u' });
    const bad: [unknown, string][] = [
      [null, 'TypeError'],
      ['{}', 'TypeError'],
      [{ ...good, challenge: undefined }, 'TypeError'],
      [{ ...good, challenge: 'not base64url!' }, 'EncodingError'],
      [{ ...good, user: { ...good.user, id: Buffer.alloc(65).toString('base64url') } }, 'TypeError'],
      [{ ...good, user: { ...good.user, id: '' } }, 'TypeError'],
      [{ ...good, rp: 'example.com' }, 'TypeError'],
      [{ ...good, pubKeyCredParams: [{ type: 'public-key', alg: 'ES256' }] }, 'TypeError'],
      [{ ...good, pubKeyCredParams: [{ type: 'other', alg: -7 }] }, 'NotSupportedError'],
      [{ ...good, pubKeyCredParams: [{ type: 'public-key', alg: -999 }] }, 'NotSupportedError'],
      [{ ...good, excludeCredentials: [{ type: 'public-key', id: 7 }] }, 'TypeError'],
      [{ ...good, extensions: [] }, 'TypeError'],
      [{ ...good, extensions: { credentialProtectionPolicy: 'sometimes' } }, 'TypeError'],
    ];
    for (const [options, name] of bad) {
      const e = await client.create(options, { origin: ORIGIN }).catch((x) => x);
      expect(e.name, JSON.stringify(options)?.slice(0, 80)).toBe(name);
    }
    for (const [options, name] of [
      [{ challenge: 5 }, 'TypeError'],
      [{ challenge: 'AAAA', allowCredentials: {} }, 'TypeError'],
      [{ challenge: 'A' }, 'EncodingError'],
    ] as const) {
      expect((await client.get(options, { origin: ORIGIN }).catch((x) => x)).name).toBe(name);
    }
    // Unknown enum values fall back to the default, as WebIDL says.
    const odd = await client.create(
      { ...good, attestation: 'bogus', authenticatorSelection: { userVerification: 'whenever' } },
      { origin: ORIGIN },
    );
    expect(odd.type).toBe('public-key');
  });
});

describe('extensions', () => {
  it('prf: enabled at create, same secret for the same input, another for another input', async () => {
    const { response, credential } = await register(client, { extensions: { prf: {} } as never });
    expect(response.clientExtensionResults.prf).toEqual({ enabled: true });
    const evalWith = async (first: string) => {
      const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
      const a = await client.get({ ...options, extensions: { prf: { eval: { first } } } }, { origin: ORIGIN });
      return (a.clientExtensionResults as unknown as { prf: { results: { first: string } } }).prf.results.first;
    };
    const one = await evalWith(Buffer.from('salt one').toString('base64url'));
    expect(Buffer.from(one, 'base64url').length).toBe(32);
    expect(await evalWith(Buffer.from('salt one').toString('base64url'))).toBe(one);
    expect(await evalWith(Buffer.from('salt two').toString('base64url'))).not.toBe(one);
  });

  it('largeBlob support on a discoverable credential; credProtect userVerificationRequired hides it from a UV-less get', async () => {
    const { response } = await register(client, {
      authenticatorSelection: { residentKey: 'required' },
      extensions: { largeBlob: { support: 'preferred' } } as never,
    });
    expect((response.clientExtensionResults as Record<string, unknown>).largeBlob).toEqual({ supported: true });
    const rp = 'protected.example.com';
    await register(client, {
      rpID: rp,
      authenticatorSelection: { residentKey: 'required' },
      extensions: {
        credentialProtectionPolicy: 'userVerificationRequired',
        enforceCredentialProtectionPolicy: true,
      } as never,
    });
    const options = await generateAuthenticationOptions({ rpID: rp });
    await expect(client.get(options, { origin: `https://${rp}` })).rejects.toMatchObject({ name: 'NotAllowedError' });
  });
});

describe('user verification with a PIN', () => {
  it('UV required: verified with the PIN; a wrong PIN or no PIN is NotAllowedError', async () => {
    const d = await startAuthenticator({ seed: 'webauthn-uv' });
    try {
      await d.ui.setPolicy({ mode: PolicyMode.Approve });
      const noPinYet = new WebAuthnClient(d.fido, { pin: '4321' });
      await expect(
        noPinYet.create(
          await generateRegistrationOptions({
            rpName: 'x',
            rpID: RP_ID,
            userName: 'u',
            authenticatorSelection: { userVerification: 'required' },
          }),
          { origin: ORIGIN },
        ),
      ).rejects.toMatchObject({ name: 'NotAllowedError' });
      await new CtapHost(d.fido).setPin('4321');
      const c = new WebAuthnClient(d.fido, { pin: '4321' });
      const { credential } = await register(c, { authenticatorSelection: { userVerification: 'required' } }, true);
      const { v } = await signIn(c, credential, { userVerification: 'required' }, true);
      expect(v.verified).toBe(true);
      expect(v.authenticationInfo.userVerified).toBe(true);
      const wrong = new WebAuthnClient(d.fido, { pin: '9999' });
      const options = await generateAuthenticationOptions({
        rpID: RP_ID,
        allowCredentials: [{ id: credential.id }],
        userVerification: 'required',
      });
      await expect(wrong.get(options, { origin: ORIGIN })).rejects.toMatchObject({ name: 'NotAllowedError' });
      const nopin = new WebAuthnClient(d.fido);
      await expect(nopin.get(options, { origin: ORIGIN })).rejects.toMatchObject({ name: 'NotAllowedError' });
    } finally {
      await d.shutdown();
    }
  });
});

describe('negative-testing switches', () => {
  it('clearUp, clearUv and corruptSignature make SimpleWebAuthn reject for the right reason', async () => {
    const d = await startAuthenticator({ seed: 'webauthn-switches' });
    try {
      await d.ui.setPolicy({ mode: PolicyMode.Approve });
      await new CtapHost(d.fido).setPin('4321');
      const c = new WebAuthnClient(d.fido, { pin: '4321' });
      const { credential } = await register(c);
      c.switches = { clearUp: true };
      await expect(signIn(c, credential)).rejects.toThrow(/not present/i);
      c.switches = { clearUv: true };
      await expect(signIn(c, credential, { userVerification: 'required' }, true)).rejects.toThrow(/verif/i);
      c.switches = { corruptSignature: true };
      expect((await signIn(c, credential)).v.verified).toBe(false);
      c.switches = {};
      expect((await signIn(c, credential)).v.verified).toBe(true);
      c.switches = { clearUp: true };
      const options = await generateRegistrationOptions({ rpName: 'x', rpID: RP_ID, userName: 'u' });
      const r = await c.create(options, { origin: ORIGIN });
      await expect(
        verifyRegistrationResponse({
          response: r,
          expectedChallenge: options.challenge,
          expectedOrigin: ORIGIN,
          expectedRPID: RP_ID,
          requireUserVerification: false,
        }),
      ).rejects.toThrow(/not present/i);
    } finally {
      await d.shutdown();
    }
  });
});

describe('credential lists longer than the authenticator takes (maxCredentialCountInList 8)', () => {
  const randomIds = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ id: Buffer.alloc(32, i + 1).toString('base64url') }));

  it('finds the held credential among 200 allowed, and refuses when none is held', async () => {
    const { credential } = await register(client);
    const allow = [...randomIds(150), { id: credential.id }, ...randomIds(49)];
    const { v } = await signIn(client, credential, { allowCredentials: allow });
    expect(v.verified).toBe(true);
    const none = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: randomIds(200) });
    await expect(client.get(none, { origin: ORIGIN })).rejects.toMatchObject({ name: 'NotAllowedError' });
    // IDs longer than the authenticator accepts (1023 bytes) are left out, not sent.
    const long = await generateAuthenticationOptions({
      rpID: RP_ID,
      allowCredentials: [{ id: Buffer.alloc(2000, 7).toString('base64url') }, { id: credential.id }],
    });
    expect((await client.get(long, { origin: ORIGIN })).id).toBe(credential.id);
  });

  it('a long excludeCredentials still excludes the held credential; without it, registration goes ahead', async () => {
    const { credential } = await register(client);
    const again = await generateRegistrationOptions({
      rpName: 'x',
      rpID: RP_ID,
      userName: 'alice',
      excludeCredentials: [...randomIds(30), { id: credential.id }],
    });
    await expect(client.create(again, { origin: ORIGIN })).rejects.toMatchObject({ name: 'InvalidStateError' });
    const fresh = await generateRegistrationOptions({
      rpName: 'x',
      rpID: RP_ID,
      userName: 'alice',
      excludeCredentials: randomIds(30),
    });
    expect((await client.create(fresh, { origin: ORIGIN })).type).toBe('public-key');
  });
});
