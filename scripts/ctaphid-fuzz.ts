// The CTAPHID fuzzer, run long (see transports/ctaphid/fuzzer.ts for what it sends).
//
//   node --import tsx scripts/ctaphid-fuzz.ts                          an in-process device on an in-memory PDDB
//   node --import tsx scripts/ctaphid-fuzz.ts --address tcp:127.0.0.1:8111   a running `pvault serve`
//
// Before the fuzz a credential is made (in-process mode); after it, the device must still answer a new host and the
// credential must still sign. Prints reports per second and the CTAPHID errors seen. Exit 1 when a check fails.
import { decode, encode } from 'cborg';
import { SeededRandom } from '../lib/random.ts';
import { startAuthenticator } from '../vault/fido/in-process.ts';
import { PolicyMode } from '../vault/ui/api.ts';
import { attachCtaphid } from '../transports/ctaphid/attach.ts';
import { fuzzCtaphid } from '../transports/ctaphid/fuzzer.ts';
import { CtaphidHostClient } from '../transports/ctaphid/host-client.ts';
import { HidError } from '../transports/ctaphid/protocol.ts';
import { parseScriptArgs, runScript, wholeNumber } from './lib/script-args.ts';

const USAGE = `usage: node --import tsx scripts/ctaphid-fuzz.ts [options]
  --address ADDR     fuzz a running device (tcp:HOST:PORT or unix:PATH) instead of an in-process one
  --connections N    hosts at once (default 8)
  --packets N        reports per host (default 50000)
  --seed S           seed (default 'fuzz')`;

const CDH = new Uint8Array(32).fill(9);

async function makeCredential(c: CtaphidHostClient): Promise<Uint8Array> {
  const params = new Map<number, unknown>([
    [1, CDH],
    [2, new Map([['id', 'fuzz.example']])],
    [
      3,
      new Map<string, unknown>([
        ['id', Uint8Array.of(1)],
        ['name', 'fuzz'],
      ]),
    ],
    [
      4,
      [
        new Map<string, unknown>([
          ['alg', -7],
          ['type', 'public-key'],
        ]),
      ],
    ],
    [7, new Map([['rk', true]])],
  ]);
  const r = await c.cbor(Uint8Array.of(0x01, ...encode(params)));
  if (r[0] !== 0) throw new Error(`makeCredential failed: status ${r[0]}`);
  const authData = (decode(r.subarray(1), { useMaps: true }) as Map<number, Uint8Array>).get(2)!;
  return authData.slice(55, 55 + ((authData[53] << 8) | authData[54]));
}

async function signWith(c: CtaphidHostClient, id: Uint8Array): Promise<number> {
  const params = new Map<number, unknown>([
    [1, 'fuzz.example'],
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
  return (await c.cbor(Uint8Array.of(0x02, ...encode(params))))[0];
}

await runScript(USAGE, async () => {
  const v = parseScriptArgs(process.argv.slice(2), {
    address: { type: 'string' },
    connections: { type: 'string' },
    packets: { type: 'string' },
    seed: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const connections = wholeNumber(v.connections, '--connections', 8, 1);
  const packets = wholeNumber(v.packets, '--packets', 50_000, 1);
  const seed = v.seed ?? 'fuzz';

  const local = v.address === undefined ? await startAuthenticator({ seed }) : undefined;
  const hid = local ? await attachCtaphid(local.kernel.process('ctaphid'), ['tcp:127.0.0.1:0']) : undefined;
  const address = v.address ?? hid!.listeners[0].url;
  try {
    const probe = await CtaphidHostClient.connect(address);
    let credential: Uint8Array | undefined;
    if (local) {
      await local.ui.setPolicy({ mode: PolicyMode.Approve });
      credential = await makeCredential(probe);
    }
    probe.close();

    const stats = await fuzzCtaphid({ address, connections, packets, random: new SeededRandom(seed) });
    const errors = Object.entries(stats.errors)
      .map(([code, n]) => `${HidError[Number(code)] ?? code}=${n}`)
      .join(' ');
    console.log(
      `${stats.sent} reports from ${connections} hosts in ${(stats.ms / 1000).toFixed(1)} s: ${Math.round(stats.sent / (stats.ms / 1000))} reports/s`,
    );
    console.log(
      `${stats.received} reports back; errors ${errors || '(none)'}; connections dropped by the device: ${stats.dropped}`,
    );

    const after = await CtaphidHostClient.connect(address);
    try {
      const info = await after.cbor(Uint8Array.of(0x04));
      if (info[0] !== 0) throw new Error('getInfo failed after the fuzz');
      if (credential && (await signWith(after, credential)) !== 0)
        throw new Error('the stored credential no longer signs');
      console.log(
        'after the fuzz: the device answers a new host' + (credential ? ' and the stored credential signs' : ''),
      );
    } finally {
      after.close();
    }
    return 0;
  } finally {
    await hid?.close();
    await local?.shutdown();
  }
});
