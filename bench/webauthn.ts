// WebAuthn benchmark (`npm run bench -- webauthn`):
// 1. register + authenticate pairs per second through the WebAuthn client (FIDO server over IPC, PDDB on in-memory
//    flash), verified by @simplewebauthn/server, side by side with nid-webauthn-emulator driven the same way in the
//    same run; and each emulator's share of a pair against the RP's verification time.
// 2. getAssertion round trips per second over a CTAPHID TCP socket, with 1 host and with 8 hosts at once, against
//    the same getAssertion straight over IPC.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { encode } from 'cborg';
import { startAuthenticator } from '../vault/fido/in-process.ts';
import { PolicyMode } from '../vault/ui/api.ts';
import { WebAuthnClient } from '../transports/webauthn/index.ts';
import { attachCtaphid } from '../transports/ctaphid/attach.ts';
import { CtaphidHostClient } from '../transports/ctaphid/host-client.ts';
import { report, timeUs } from './harness.ts';

const SUITE = 'webauthn';
const RP_ID = 'bench.example';
const ORIGIN = 'https://bench.example';

interface Emulator {
  create(o: unknown): Promise<RegistrationResponseJSON>;
  get(o: unknown): Promise<AuthenticationResponseJSON>;
}

/** One pair: the emulator's time and the RP's (options + verification) measured apart. */
async function pair(em: Emulator, times: { emulator: number; rp: number }, residentKey: ResidentKey): Promise<void> {
  let t = performance.now();
  const reg = await generateRegistrationOptions({
    rpName: 'Bench',
    rpID: RP_ID,
    userName: 'bench',
    supportedAlgorithmIDs: [-7],
    authenticatorSelection: { residentKey },
  });
  times.rp += performance.now() - t;
  t = performance.now();
  const r = await em.create(reg);
  times.emulator += performance.now() - t;
  t = performance.now();
  const v = await verifyRegistrationResponse({
    response: r,
    expectedChallenge: reg.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: false,
  });
  if (!v.verified) throw new Error('registration did not verify');
  const auth = await generateAuthenticationOptions({
    rpID: RP_ID,
    allowCredentials: [{ id: v.registrationInfo!.credential.id }],
  });
  times.rp += performance.now() - t;
  t = performance.now();
  const a = await em.get(auth);
  times.emulator += performance.now() - t;
  t = performance.now();
  const av = await verifyAuthenticationResponse({
    response: a,
    expectedChallenge: auth.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential: v.registrationInfo!.credential,
    requireUserVerification: false,
  });
  if (!av.verified) throw new Error('authentication did not verify');
  times.rp += performance.now() - t;
}

/** 'preferred' is SimpleWebAuthn's default (a discoverable credential: one durable PDDB write + sync per pair). */
type ResidentKey = 'preferred' | 'discouraged';

async function measurePairs(
  em: Emulator,
  runs: number,
  residentKey: ResidentKey = 'preferred',
): Promise<{ pairMs: number; emulatorMs: number; rpMs: number }> {
  for (let i = 0; i < 3; i++) await pair(em, { emulator: 0, rp: 0 }, residentKey);
  const times = { emulator: 0, rp: 0 };
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await pair(em, times, residentKey);
  return { pairMs: (performance.now() - t0) / runs, emulatorMs: times.emulator / runs, rpMs: times.rp / runs };
}

async function nidEmulator(): Promise<Emulator | undefined> {
  try {
    const mod = (await import('nid-webauthn-emulator')) as unknown as {
      default: new () => {
        createJSON(o: string, x: unknown): RegistrationResponseJSON;
        getJSON(o: string, x: unknown): AuthenticationResponseJSON;
      };
    };
    const nid = new mod.default();
    return { create: async (o) => nid.createJSON(ORIGIN, o), get: async (o) => nid.getJSON(ORIGIN, o) };
  } catch {
    return undefined;
  }
}

function getAssertion(id: Uint8Array): Uint8Array {
  const params = new Map<number, unknown>([
    [1, RP_ID],
    [2, new Uint8Array(32).fill(3)],
    [
      3,
      [
        new Map<string, unknown>([
          ['id', id],
          ['type', 'public-key'],
        ]),
      ],
    ],
  ]);
  return Uint8Array.of(0x02, ...encode(params));
}

export async function run(): Promise<void> {
  const dev = await startAuthenticator({ seed: 'bench-webauthn' });
  try {
    await dev.ui.setPolicy({ mode: PolicyMode.Approve });
    // The authenticator's own time (CTAP over IPC), to tell the client's overhead from the authenticator's work.
    const ctap = { ms: 0, pairs: 0 };
    const timed = {
      cbor: async (m: Uint8Array) => {
        const t = performance.now();
        const r = await dev.fido.cbor(m);
        ctap.ms += performance.now() - t;
        return r;
      },
    };
    const client = new WebAuthnClient(timed);
    const ours = await measurePairs(
      { create: (o) => client.create(o, { origin: ORIGIN }), get: (o) => client.get(o, { origin: ORIGIN }) },
      40,
    );
    const ctapPerPair = ctap.ms / 43;
    const nid = await nidEmulator();
    const theirs = nid ? await measurePairs(nid, 20) : undefined;
    if (!theirs) console.log('nid-webauthn-emulator is not installed: no peer figure in this run');
    const peer = theirs
      ? { name: 'nid-webauthn-emulator pairs/s (same RP work)', value: 1000 / theirs.pairMs }
      : undefined;
    report(SUITE, 'register+authenticate pairs/s, WebAuthn client, RP verifying', 1000 / ours.pairMs, 'pairs/s', peer);
    const peerEm = theirs
      ? { name: 'nid-webauthn-emulator: its own time per pair', value: theirs.emulatorMs }
      : undefined;
    report(SUITE, 'emulator time per pair (WebAuthn client + authenticator)', ours.emulatorMs, 'ms', peerEm);
    report(SUITE, 'authenticator (CTAP over IPC) time per pair', ctapPerPair, 'ms', {
      name: 'emulator time per pair',
      value: ours.emulatorMs,
    });
    report(SUITE, 'emulator time per pair vs the RP verifying it', ours.emulatorMs, 'ms', {
      name: 'RP options + verification per pair',
      value: ours.rpMs,
    });
    // Non-discoverable credentials (residentKey 'discouraged'): nothing written per pair once the counter is reserved.
    const light = await measurePairs(
      { create: (o) => client.create(o, { origin: ORIGIN }), get: (o) => client.get(o, { origin: ORIGIN }) },
      40,
      'discouraged',
    );
    const lightPeer = nid
      ? {
          name: 'nid-webauthn-emulator pairs/s (same RP work)',
          value: 1000 / (await measurePairs(nid, 20, 'discouraged')).pairMs,
        }
      : undefined;
    report(
      SUITE,
      'register+authenticate pairs/s, non-discoverable, RP verifying',
      1000 / light.pairMs,
      'pairs/s',
      lightPeer,
    );
    report(SUITE, 'emulator time per non-discoverable pair vs the RP verifying it', light.emulatorMs, 'ms', {
      name: 'RP options + verification per pair',
      value: light.rpMs,
    });

    // getAssertion round trips over CTAPHID/TCP.
    const made = await client.create(
      await generateRegistrationOptions({ rpName: 'Bench', rpID: RP_ID, userName: 'ga', supportedAlgorithmIDs: [-7] }),
      { origin: ORIGIN },
    );
    const id = new Uint8Array(Buffer.from(made.rawId, 'base64url'));
    const msg = getAssertion(id);
    const check = (r: Uint8Array) => {
      if (r[0] !== 0) throw new Error(`getAssertion status ${r[0]}`);
    };
    const ipc = await timeUs(async () => check(await dev.fido.cbor(msg)), { runs: 31, batch: 5 });
    const hid = await attachCtaphid(dev.kernel.process('bench-hid'), ['tcp:127.0.0.1:0']);
    try {
      const one = await CtaphidHostClient.connect(hid.listeners[0].url);
      const tcp = await timeUs(async () => check(await one.cbor(msg)), { runs: 31, batch: 5 });
      report(SUITE, 'getAssertion round trips/s over CTAPHID TCP, 1 host', 1e6 / tcp, 'ops/s', {
        name: 'same getAssertion over IPC only',
        value: 1e6 / ipc,
      });
      one.close();
      const hosts = await Promise.all(Array.from({ length: 8 }, () => CtaphidHostClient.connect(hid.listeners[0].url)));
      const rounds = 25;
      const busy = { n: 0 };
      const t0 = performance.now();
      // Each host retries on CHANNEL_BUSY, as a real host does: the device serves one transaction at a time.
      await Promise.all(
        hosts.map(async (h) => {
          for (let i = 0; i < rounds; i++) {
            for (;;) {
              const r = await h.cbor(msg).catch((e) => (e.code === 6 ? undefined : Promise.reject(e)));
              if (r) {
                check(r);
                break;
              }
              busy.n++;
              await new Promise((res) => setTimeout(res, 1));
            }
          }
        }),
      );
      const total = (performance.now() - t0) / 1000;
      report(
        SUITE,
        'getAssertion round trips/s over CTAPHID TCP, 8 hosts at once (total)',
        (8 * rounds) / total,
        'ops/s',
        { name: '1 host', value: 1e6 / tcp },
      );
      report(SUITE, 'CHANNEL_BUSY answers per getAssertion, 8 hosts', busy.n / (8 * rounds), 'busy/op');
      hosts.forEach((h) => h.close());
    } finally {
      await hid.close();
    }
  } finally {
    await dev.shutdown();
  }
}
