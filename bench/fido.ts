// FIDO benchmark (`npm run bench -- fido`): makeCredential and getAssertion through the whole stack (IPC, strict
// CBOR, presence via the ui server, PDDB writes synced to a file-backed image) against the raw signature work of
// the same algorithm with the same crypto (node:crypto) in the same run; then where the rest goes: CBOR, one IPC
// round trip to the authenticator, one presence round trip, one PDDB write + sync; and what the counter reservation
// saves against writing the counter at every signature.
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAuthenticator } from '../vault/fido/in-process.ts';
import { decodeCbor, encodeCbor } from '../vault/fido/cbor.ts';
import { PolicyMode } from '../vault/ui/api.ts';
import { UiClient } from '../vault/ui/client.ts';
import { report, timeUs, timeUsSync } from './harness.ts';

const SUITE = 'fido';
const CDH = new Uint8Array(32).fill(1);

function makeCredential(alg: number, rk: boolean, user: number): Uint8Array {
  const params = new Map<number, unknown>([
    [1, CDH],
    [2, new Map([['id', 'bench.example']])],
    [
      3,
      new Map<string, unknown>([
        ['id', Uint8Array.of(user >> 8, user & 0xff)],
        ['name', 'bench'],
      ]),
    ],
    [
      4,
      [
        new Map<string, unknown>([
          ['alg', alg],
          ['type', 'public-key'],
        ]),
      ],
    ],
    [7, new Map([['rk', rk]])],
  ]);
  return Uint8Array.of(0x01, ...encodeCbor(params));
}

function getAssertion(id: Uint8Array): Uint8Array {
  const params = new Map<number, unknown>([
    [1, 'bench.example'],
    [2, CDH],
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
  return Uint8Array.of(0x02, ...encodeCbor(params));
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pvault-bench-fido-'));
  const dev = await startAuthenticator({
    image: { path: join(dir, 'pddb.bin') },
    keyboxPath: join(dir, 'keybox.bin'),
    format: true,
  });
  try {
    await dev.ui.setPolicy({ mode: PolicyMode.Approve });
    for (const [alg, name, keyType] of [
      [-7, 'ES256', 'ec'],
      [-8, 'EdDSA', 'ed25519'],
    ] as const) {
      const rawKeygenSign = timeUsSync(
        () => {
          const { privateKey } =
            keyType === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
          sign(keyType === 'ec' ? 'sha256' : null, CDH, privateKey);
          sign(keyType === 'ec' ? 'sha256' : null, CDH, privateKey); // makeCredential signs twice: nothing, self attestation
        },
        { runs: 31 },
      );
      const { privateKey } =
        keyType === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
      const rawSign = timeUsSync(() => sign(keyType === 'ec' ? 'sha256' : null, CDH, privateKey), {
        runs: 31,
        batch: 20,
      });

      let user = 0;
      const mc = await timeUs(async () => check(await dev.fido.cbor(makeCredential(alg, false, user++))), { runs: 21 });
      report(SUITE, `makeCredential ${name} non-resident, self attestation`, 1e6 / mc, 'ops/s', {
        name: `raw keygen + 2 signs ${name}`,
        value: 1e6 / rawKeygenSign,
      });
      const mcRk = await timeUs(async () => check(await dev.fido.cbor(makeCredential(alg, true, user++))), {
        runs: 21,
      });
      report(SUITE, `makeCredential ${name} resident`, 1e6 / mcRk, 'ops/s', {
        name: `raw keygen + 2 signs ${name}`,
        value: 1e6 / rawKeygenSign,
      });

      const reply = check(await dev.fido.cbor(makeCredential(alg, false, 9999)));
      const authData = (decodeCbor(reply.subarray(1)) as Map<number, Uint8Array>).get(2)!;
      const id = authData.subarray(55, 55 + ((authData[53] << 8) | authData[54]));
      const ga = await timeUs(async () => check(await dev.fido.cbor(getAssertion(id))), { runs: 31 });
      report(SUITE, `getAssertion ${name} (allowList)`, 1e6 / ga, 'ops/s', {
        name: `raw sign ${name}`,
        value: 1e6 / rawSign,
      });
      report(SUITE, `getAssertion ${name} time beyond the signature`, ga - rawSign, 'us', {
        name: `getAssertion ${name}`,
        value: ga,
      });
    }

    // Where the rest goes.
    const request = makeCredential(-7, false, 1);
    const cbor = timeUsSync(() => decodeCbor(encodeCbor(decodeCbor(request.subarray(1)))), { runs: 31, batch: 50 });
    const ipc = await timeUs(async () => dev.fido.cbor(Uint8Array.of(0x08)), { runs: 31, batch: 10 }); // getNextAssertion: NOT_ALLOWED at once
    const ui = await UiClient.connect(dev.kernel.process('bench-ui'));
    const presence = await timeUs(() => ui.requestPresence('bench', 'bench.example', ''), { runs: 31, batch: 5 });
    const key = await dev.pddb.get('bench', 'counter', { createDict: true, createKey: true });
    const bytes = new Uint8Array(4);
    const write = await timeUs(
      async () => {
        key.seek(0);
        await key.write(bytes);
        await dev.pddb.sync();
      },
      { runs: 21 },
    );
    const miss = await timeUs(async () => dev.fido.cbor(getAssertion(new Uint8Array(64))), { runs: 21 }); // NO_CREDENTIALS after the basis search
    const fileReply = check(await dev.fido.cbor(makeCredential(-7, false, 2)));
    const fileAd = (decodeCbor(fileReply.subarray(1)) as Map<number, Uint8Array>).get(2)!;
    const fileId = fileAd.subarray(55, 55 + ((fileAd[53] << 8) | fileAd[54]));
    const ga = await timeUs(async () => check(await dev.fido.cbor(getAssertion(fileId))), { runs: 21 });
    // The same getAssertion with the counter written and synced at every signature (reservation 0: the original's way).
    const perUseDir = mkdtempSync(join(tmpdir(), 'pvault-bench-fido-'));
    const perUse = await startAuthenticator({
      image: { path: join(perUseDir, 'pddb.bin') },
      keyboxPath: join(perUseDir, 'keybox.bin'),
      format: true,
      fido: { counterReservation: 0 },
    });
    try {
      await perUse.ui.setPolicy({ mode: PolicyMode.Approve });
      const reply = check(await perUse.fido.cbor(makeCredential(-7, false, 1)));
      const ad = (decodeCbor(reply.subarray(1)) as Map<number, Uint8Array>).get(2)!;
      const perUseId = ad.subarray(55, 55 + ((ad[53] << 8) | ad[54]));
      const perUseGa = await timeUs(async () => check(await perUse.fido.cbor(getAssertion(perUseId))), { runs: 21 });
      report(SUITE, 'getAssertion ES256 on the file image, counter reserved', 1e6 / ga, 'ops/s', {
        name: 'counter written + synced per signature',
        value: 1e6 / perUseGa,
      });
    } finally {
      await perUse.shutdown();
      rmSync(perUseDir, { recursive: true, force: true });
    }
    // The same getAssertion on an in-memory image: what file durability (the sync's writes reaching the file) costs.
    const mem = await startAuthenticator({ format: true });
    try {
      await mem.ui.setPolicy({ mode: PolicyMode.Approve });
      const reply = check(await mem.fido.cbor(makeCredential(-7, false, 1)));
      const ad = (decodeCbor(reply.subarray(1)) as Map<number, Uint8Array>).get(2)!;
      const memId = ad.subarray(55, 55 + ((ad[53] << 8) | ad[54]));
      const memGa = await timeUs(async () => check(await mem.fido.cbor(getAssertion(memId))), { runs: 31 });
      report(SUITE, 'getAssertion ES256 on an in-memory image', 1e6 / memGa, 'ops/s', {
        name: 'getAssertion ES256 on the file image',
        value: 1e6 / ga,
      });
    } finally {
      await mem.shutdown();
    }
    report(SUITE, 'part: strict CBOR decode + canonical check + encode of a makeCredential request', cbor, 'us');
    report(SUITE, 'part: IPC round trip to the FIDO server (a command answered at once)', ipc, 'us');
    report(SUITE, 'part: presence round trip to the ui server (auto-approve)', presence, 'us');
    report(
      SUITE,
      'part: PDDB 4-byte key write + sync on the file image (a counter reservation, once per ~900 signatures)',
      write,
      'us',
    );
    report(SUITE, 'part: getAssertion that finds nothing (master keys + ID check, no sign, no write)', miss, 'us');
  } finally {
    await dev.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

function check(reply: Uint8Array): Uint8Array {
  if (reply[0] !== 0) throw new Error(`CTAP status 0x${reply[0].toString(16)}`);
  return reply;
}
