// CTAP1/U2F APDUs: VERSION, REGISTER and AUTHENTICATE with the original's poll-based presence (0x6985 until the same
// appId is approved), check-only and dont-enforce, signatures checked with node:crypto against the returned key and
// the batch certificate, and bad APDUs answered with their status words.
import { createPublicKey, createVerify, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthenticator, type InProcessAuthenticator } from '../../../vault/fido/in-process.ts';
import { PolicyMode } from '../../../vault/ui/api.ts';
import { encode } from 'cborg';
import { verifyRegistrationResponse } from '@simplewebauthn/server';
import { authenticate, b64u, ORIGIN, RP, sha256 } from './platform.ts';

const sw = (r: Uint8Array) => (r[r.length - 2] << 8) | r[r.length - 1];
const apdu = (ins: number, p1: number, data: Uint8Array) =>
  Uint8Array.from([0, ins, p1, 0, 0, data.length >> 8, data.length & 0xff, ...data, 0, 0]);
const spki = (raw: Uint8Array) =>
  createPublicKey({
    key: Buffer.concat([Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), raw]),
    format: 'der',
    type: 'spki',
  });

describe('U2F', () => {
  let dev: InProcessAuthenticator;
  beforeAll(async () => {
    dev = await startAuthenticator({ seed: 'u2f' });
    await dev.ui.setPolicy({ mode: PolicyMode.Approve, delayMs: 10 });
  });
  afterAll(() => dev.shutdown());

  /** Send until the device stops answering 0x6985, as a U2F host polls. */
  async function poll(bytes: Uint8Array): Promise<Uint8Array> {
    for (let i = 0; i < 200; i++) {
      const r = await dev.fido.msg(bytes);
      if (sw(r) !== 0x6985) return r;
      await new Promise((res) => setTimeout(res, 10));
    }
    throw new Error('presence never came');
  }

  it('VERSION', async () => {
    const r = await dev.fido.msg(Uint8Array.from([0, 3, 0, 0]));
    expect(Buffer.from(r).toString('latin1')).toBe('U2F_V2\x90\x00');
  });

  it('REGISTER then AUTHENTICATE, with presence by polling, verified against the key and the batch certificate', async () => {
    const app = sha256('https://u2f.example');
    const challenge = sha256('challenge');
    const first = await dev.fido.msg(apdu(1, 0, Buffer.concat([challenge, app])));
    expect(sw(first)).toBe(0x6985); // presence not yet given: the host polls
    const reg = await poll(apdu(1, 0, Buffer.concat([challenge, app])));
    expect(sw(reg)).toBe(0x9000);
    expect(reg[0]).toBe(5);
    const pub = reg.subarray(1, 66);
    const khLen = reg[66];
    const kh = reg.subarray(67, 67 + khLen);
    const rest = Buffer.from(reg.subarray(67 + khLen, reg.length - 2));
    const certLen = ((rest[2] << 8) | rest[3]) + 4; // DER SEQUENCE with a two-byte length
    const cert = new X509Certificate(rest.subarray(0, certLen));
    expect(cert.subject).toContain('OU=Authenticator Attestation');
    const signed = Buffer.concat([Buffer.from([0]), app, challenge, kh, pub]);
    expect(createVerify('sha256').update(signed).verify(cert.publicKey, rest.subarray(certLen))).toBe(true);

    const chal2 = sha256('challenge 2');
    const auth = await poll(apdu(2, 3, Buffer.concat([chal2, app, Buffer.from([khLen]), kh])));
    expect(sw(auth)).toBe(0x9000);
    expect(auth[0]).toBe(1);
    const signedA = Buffer.concat([app, auth.subarray(0, 5), chal2]);
    expect(
      createVerify('sha256')
        .update(signedA)
        .verify(spki(pub), auth.subarray(5, auth.length - 2)),
    ).toBe(true);

    // Check-only: "mine" is 0x6985; another app's or a damaged handle is 0x6a80.
    expect(sw(await dev.fido.msg(apdu(2, 7, Buffer.concat([chal2, app, Buffer.from([khLen]), kh]))))).toBe(0x6985);
    expect(sw(await dev.fido.msg(apdu(2, 7, Buffer.concat([chal2, sha256('other'), Buffer.from([khLen]), kh]))))).toBe(
      0x6a80,
    );
    const bad = Buffer.from(kh);
    bad[10] ^= 1;
    expect(sw(await dev.fido.msg(apdu(2, 3, Buffer.concat([chal2, app, Buffer.from([khLen]), bad]))))).toBe(0x6a80);
    // dont-enforce-user-presence-and-sign: no presence, UP flag clear.
    const silent = await dev.fido.msg(apdu(2, 8, Buffer.concat([chal2, app, Buffer.from([khLen]), kh])));
    expect(sw(silent)).toBe(0x9000);
    expect(silent[0]).toBe(0);
    // The key handle works as a CTAP2 credential ID for the same application parameter (the appid extension).
    expect(await dev.pddb.listKeys('fido.u2fapps')).toEqual([Buffer.from(app).toString('hex')]);
    const viaCtap2 = await authenticate(dev.fido, { rpId: 'https://u2f.example', allow: [kh] });
    expect(viaCtap2.status).toBe(0);
  });

  it('a U2F registration, wrapped as a browser does (fmt fido-u2f), verifies with SimpleWebAuthn', async () => {
    const cdj = new TextEncoder().encode(
      JSON.stringify({ type: 'webauthn.create', challenge: 'u2f-chal', origin: ORIGIN }),
    );
    const reg = await poll(apdu(1, 0, Buffer.concat([sha256(cdj), sha256(RP)])));
    expect(sw(reg)).toBe(0x9000);
    const pub = reg.subarray(1, 66);
    const kh = reg.subarray(67, 67 + reg[66]);
    const rest = Buffer.from(reg.subarray(67 + reg[66], reg.length - 2));
    const certLen = ((rest[2] << 8) | rest[3]) + 4;
    const cose = new Map<number, unknown>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, pub.subarray(1, 33)],
      [-3, pub.subarray(33)],
    ]);
    const authData = Buffer.concat([
      sha256(RP),
      Buffer.from([0x41, 0, 0, 0, 0]),
      Buffer.alloc(16),
      Buffer.from([0, kh.length]),
      kh,
      encode(cose),
    ]);
    const attStmt = new Map<string, unknown>([
      ['sig', rest.subarray(certLen)],
      ['x5c', [rest.subarray(0, certLen)]],
    ]);
    const attObj = encode(
      new Map<string, unknown>([
        ['fmt', 'fido-u2f'],
        ['attStmt', attStmt],
        ['authData', authData],
      ]),
    );
    const v = await verifyRegistrationResponse({
      response: {
        id: b64u(kh),
        rawId: b64u(kh),
        type: 'public-key',
        clientExtensionResults: {},
        response: { clientDataJSON: b64u(cdj), attestationObject: b64u(attObj) },
      },
      expectedChallenge: 'u2f-chal',
      expectedOrigin: ORIGIN,
      expectedRPID: RP,
      requireUserVerification: false,
    });
    expect(v.verified).toBe(true);
    expect(v.registrationInfo!.fmt).toBe('fido-u2f');
  });

  it('a denied request keeps answering 0x6985', async () => {
    await dev.ui.setPolicy({ mode: PolicyMode.Deny });
    const app = sha256('https://denied.example');
    for (let i = 0; i < 5; i++) {
      expect(sw(await dev.fido.msg(apdu(1, 0, Buffer.concat([sha256('c'), app]))))).toBe(0x6985);
      await new Promise((res) => setTimeout(res, 5));
    }
    await dev.ui.setPolicy({ mode: PolicyMode.Approve, delayMs: 10 });
  });

  it.each([
    ['too short', [0, 1, 0], 0x6700],
    ['wrong class', [0x80, 3, 0, 0], 0x6e00],
    ['unknown instruction', [0, 0x40, 0, 0], 0x6d00],
    ['REGISTER with 63 bytes', [0, 1, 0, 0, 0, 0, 63, ...new Array(63).fill(1)], 0x6700],
    ['Lc longer than the data', [0, 1, 0, 0, 0, 0, 64, 1, 2], 0x6700],
    ['AUTHENTICATE with a bad control byte', [0, 2, 9, 0, 0, 0, 66, ...new Array(66).fill(0)], 0x6a80],
    ['AUTHENTICATE whose handle length lies', [0, 2, 3, 0, 0, 0, 66, ...new Array(64).fill(0), 5, 0], 0x6700],
  ])('%s', async (_what, bytes, status) => {
    expect(sw(await dev.fido.msg(Uint8Array.from(bytes)))).toBe(status);
  });
});
