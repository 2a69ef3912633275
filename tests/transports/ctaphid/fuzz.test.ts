// A bounded run of the CTAPHID fuzzer on a real socket: afterwards the device still serves a new host, the
// credential stored before the fuzz still signs, and no connection of ours was dropped.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decode, encode } from 'cborg';
import { SeededRandom } from '../../../lib/random.ts';
import { fuzzCtaphid } from '../../../transports/ctaphid/fuzzer.ts';
import { CtaphidHostClient } from '../../../transports/ctaphid/host-client.ts';
import { PolicyMode } from '../../../vault/ui/api.ts';
import { sha256 } from '../../vault/fido/platform.ts';
import { GET_INFO, makeCredential, serve, type Served } from './fixture.ts';

let srv: Served;
beforeAll(async () => {
  srv = await serve({}, undefined, 'fuzz');
  await srv.auth.ui.setPolicy({ mode: PolicyMode.Approve });
});
afterAll(() => srv.close());

it.each(['fuzz-a', 'fuzz-b'])(
  'seed %s: 4 hosts x 2000 hostile reports; the device and its credential survive',
  async (seed) => {
    const host = await CtaphidHostClient.connect(srv.address);
    const made = await host.cbor(makeCredential(true));
    expect(made[0]).toBe(0);
    const authData = (decode(made.subarray(1), { useMaps: true }) as Map<number, Uint8Array>).get(2)!;
    const id = authData.slice(55, 55 + ((authData[53] << 8) | authData[54]));
    host.close();

    const stats = await fuzzCtaphid({
      address: srv.address,
      connections: 4,
      packets: 2000,
      random: new SeededRandom(seed),
    });
    expect(stats.sent).toBe(8000);
    expect(stats.dropped).toBe(0);
    // The fuzz reached the error paths, not just the socket.
    expect(Object.keys(stats.errors).length).toBeGreaterThanOrEqual(4);

    const after = await CtaphidHostClient.connect(srv.address);
    // A LOCK taken by a fuzzing host ended with its connection.
    await expect
      .poll(async () => (await after.cbor(GET_INFO).catch(() => undefined))?.[0], { timeout: 15_000, interval: 50 })
      .toBe(0);
    const ga = new Map<number, unknown>([
      [1, 'example.com'],
      [2, sha256('after the fuzz')],
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
    expect((await after.cbor(Uint8Array.of(0x02, ...encode(ga))))[0]).toBe(0);
    after.close();
    expect(srv.hid.device.channelCount).toBeLessThanOrEqual(4 * 32 + 1);
  },
  60_000,
);
