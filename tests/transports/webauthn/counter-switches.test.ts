// The counter switches (replayCounter, rollbackCounter): the authenticator's negative-testing command makes the next
// signature repeat or lower the counter, validly signed, and @simplewebauthn/server refuses it as it refuses a cloned
// authenticator. Over the FIDO client in-process and over a CTAPHID socket; refused by an authenticator started
// without negative testing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { startAuthenticator, type InProcessAuthenticator } from '../../../vault/fido/in-process.ts';
import { PolicyMode } from '../../../vault/ui/api.ts';
import { WebAuthnClient } from '../../../transports/webauthn/index.ts';
import { SeededRandom } from '../../../lib/random.ts';
import { CtapCommand } from '../../../vault/fido/ctap2/commands.ts';
import { CtapStatus } from '../../../vault/fido/status.ts';

const RP_ID = 'example.com';
const ORIGIN = 'https://example.com';

let dev: InProcessAuthenticator;
beforeAll(async () => {
  dev = await startAuthenticator({ seed: 'counter-switches', fido: { negativeTesting: true } });
  await dev.ui.setPolicy({ mode: PolicyMode.Approve });
}, 30_000);
afterAll(() => dev.shutdown());

async function register(c: WebAuthnClient): Promise<WebAuthnCredential> {
  const options = await generateRegistrationOptions({ rpName: 'Example', rpID: RP_ID, userName: 'alice' });
  const response = await c.create(options, { origin: ORIGIN });
  const v = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: false,
  });
  return v.registrationInfo!.credential;
}

/** One sign-in as the RP runs it; the counter the authenticator signed (read before the RP judges it). */
async function signIn(c: WebAuthnClient, credential: WebAuthnCredential) {
  const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
  const response = await c.get(options, { origin: ORIGIN });
  const signed = Buffer.from(response.response.authenticatorData, 'base64url').readUInt32BE(33);
  const verify = () =>
    verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential,
      requireUserVerification: false,
    });
  return { signed, verify };
}

describe('counter switches', () => {
  it('replay repeats the last counter, rollback goes below it: SimpleWebAuthn refuses both; the real counter goes on rising', async () => {
    const c = new WebAuthnClient(dev.fido, { random: new SeededRandom('c1') });
    let credential = await register(c);
    const first = await signIn(c, credential);
    credential = { ...credential, counter: (await first.verify()).authenticationInfo.newCounter };

    c.switches = { replayCounter: true };
    const replay = await signIn(c, credential);
    expect(replay.signed).toBe(credential.counter);
    await expect(replay.verify()).rejects.toThrow(/counter value \d+ was lower than expected/);

    c.switches = { rollbackCounter: true };
    const rollback = await signIn(c, credential);
    expect(rollback.signed).toBeLessThan(credential.counter);
    await expect(rollback.verify()).rejects.toThrow(/counter value \d+ was lower than expected/);

    c.switches = {};
    const after = await signIn(c, credential);
    expect(after.signed).toBeGreaterThan(credential.counter);
    expect((await after.verify()).verified).toBe(true);
  });

  it('the override is for the next command only: a failed get in between uses it up', async () => {
    const c = new WebAuthnClient(dev.fido, { random: new SeededRandom('c2') });
    let credential = await register(c);
    credential = {
      ...credential,
      counter: (await (await signIn(c, credential)).verify()).authenticationInfo.newCounter,
    };
    c.switches = { replayCounter: true };
    const options = await generateAuthenticationOptions({
      rpID: RP_ID,
      allowCredentials: [{ id: Buffer.alloc(32, 7).toString('base64url') }],
    });
    await expect(c.get(options, { origin: ORIGIN })).rejects.toThrow(
      expect.objectContaining({ name: 'NotAllowedError' }),
    );
    c.switches = {};
    const next = await signIn(c, credential);
    expect(next.signed).toBeGreaterThan(credential.counter);
  });

  it('an authenticator started without negative testing refuses the command (unknown command) and the switch (NotSupportedError)', async () => {
    const plain = await startAuthenticator({ seed: 'counter-switches-off' });
    try {
      await plain.ui.setPolicy({ mode: PolicyMode.Approve });
      const r = await plain.fido.cbor(Uint8Array.of(CtapCommand.NegativeTesting, 0xa1, 0x01, 0x01));
      expect([...r]).toEqual([CtapStatus.InvalidCommand]);
      const c = new WebAuthnClient(plain.fido, { random: new SeededRandom('c3'), switches: { rollbackCounter: true } });
      const credential = await register(c);
      await expect(signIn(c, credential)).rejects.toThrow(expect.objectContaining({ name: 'NotSupportedError' }));
    } finally {
      await plain.shutdown();
    }
  }, 30_000);

  it('a bad override kind is INVALID_PARAMETER, a missing one MISSING_PARAMETER', async () => {
    expect([...(await dev.fido.cbor(Uint8Array.of(CtapCommand.NegativeTesting, 0xa1, 0x01, 0x03)))]).toEqual([
      CtapStatus.InvalidParameter,
    ]);
    expect([...(await dev.fido.cbor(Uint8Array.of(CtapCommand.NegativeTesting, 0xa0)))]).toEqual([
      CtapStatus.MissingParameter,
    ]);
    expect([...(await dev.fido.cbor(Uint8Array.of(CtapCommand.NegativeTesting)))]).toEqual([
      CtapStatus.MissingParameter,
    ]);
  });
});
