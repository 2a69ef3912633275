// A CTAPHID fuzzer: several connections to one device send random and mutated reports (valid packets of every
// command with bits flipped, lengths and sequence numbers bent, foreign and broadcast CIDs, torn writes) while
// draining whatever comes back. Seeded, so a failing run replays. scripts/ctaphid-fuzz.ts runs it long against an
// in-process device or a running `pvault serve`; the bounded test checks the device afterwards.
import { randomBelow, randomBytes, randomU32, type Random } from '../../lib/random.ts';
import { HidSocket } from './hid-socket.ts';
import { framePackets, parsePacket } from './packet.ts';
import { BROADCAST_CID, HidCommand, REPORT_SIZE } from './protocol.ts';

export interface FuzzOptions {
  address: string;
  connections: number;
  /** Reports per connection. */
  packets: number;
  random: Random;
  /** Reports in flight per connection before it yields to read answers. */
  burst?: number;
}

export interface FuzzStats {
  sent: number;
  received: number;
  /** ERROR answers by CTAPHID error code. */
  errors: Record<number, number>;
  /** Connections the device closed (a host that does not read is cut off; ours read, so this stays 0). */
  dropped: number;
  ms: number;
}

/** Messages a real host sends, as seeds for mutation (no makeCredential: nothing here may wait for a person). */
const SEEDS: [HidCommand, Uint8Array][] = [
  [HidCommand.Ping, Uint8Array.of(1, 2, 3)],
  [HidCommand.Ping, new Uint8Array(300).fill(0x55)],
  [HidCommand.Init, new Uint8Array(8).fill(7)],
  [HidCommand.Cbor, Uint8Array.of(0x04)],
  [HidCommand.Cbor, Uint8Array.of(0x06, 0xa2, 0x01, 0x02, 0x02, 0x01)],
  [HidCommand.Msg, Uint8Array.of(0, 3, 0, 0, 0, 0, 0)],
  [HidCommand.Wink, new Uint8Array(0)],
  [HidCommand.Lock, Uint8Array.of(0)],
  [HidCommand.Cancel, new Uint8Array(0)],
];

export async function fuzzCtaphid(o: FuzzOptions): Promise<FuzzStats> {
  const stats: FuzzStats = { sent: 0, received: 0, errors: {}, dropped: 0, ms: 0 };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: o.connections }, () => oneHost(o, stats)));
  stats.ms = performance.now() - t0;
  return stats;
}

async function oneHost(o: FuzzOptions, stats: FuzzStats): Promise<void> {
  const s = await HidSocket.connect(o.address);
  const cids: number[] = [];
  let open = true;
  const drain = (async () => {
    while (open) {
      const r = await s.receive().catch(() => undefined);
      if (!r) {
        if (open) stats.dropped++;
        return;
      }
      stats.received++;
      const p = parsePacket(r);
      if (p.kind !== 'init') continue;
      if (p.cmd === HidCommand.Error) stats.errors[p.data[0]] = (stats.errors[p.data[0]] ?? 0) + 1;
      if (p.cmd === HidCommand.Init && p.cid === BROADCAST_CID && p.bcnt === 17)
        cids.push(new DataView(p.data.buffer, p.data.byteOffset).getUint32(8));
    }
  })();
  try {
    const burst = o.burst ?? 16;
    for (let i = 0; i < o.packets; i++) {
      const r = o.random;
      const cid = pickCid(r, cids);
      const report = mutate(r, cid);
      // Now and then a report arrives in pieces (TCP may split it anywhere).
      if (randomBelow(r, 10) === 0) {
        const cut = 1 + randomBelow(r, REPORT_SIZE - 1);
        s.sendBytes(report.subarray(0, cut));
        s.sendBytes(report.subarray(cut));
      } else {
        s.send(report);
      }
      stats.sent++;
      if (i % burst === burst - 1) await new Promise((res) => setImmediate(res));
    }
  } finally {
    open = false;
    s.close();
    await drain;
  }
}

function pickCid(r: Random, cids: number[]): number {
  switch (randomBelow(r, 6)) {
    case 0:
      return BROADCAST_CID;
    case 1:
      return randomBelow(r, 2) ? 0 : randomU32(r);
    default:
      return cids.length > 0 ? cids[randomBelow(r, cids.length)] : BROADCAST_CID;
  }
}

/** One report: pure noise, a continuation with a random SEQ, or a seed packet with a mutation. */
function mutate(r: Random, cid: number): Uint8Array {
  const kind = randomBelow(r, 8);
  if (kind === 0) return randomBytes(r, REPORT_SIZE);
  if (kind === 1) {
    const c = randomBytes(r, REPORT_SIZE);
    new DataView(c.buffer).setUint32(0, cid);
    c[4] &= 0x7f;
    return c;
  }
  const [cmd, payload] = SEEDS[randomBelow(r, SEEDS.length)];
  const packets = framePackets(cid, cmd, payload);
  const p = new Uint8Array(packets[randomBelow(r, packets.length)]);
  switch (kind) {
    case 2: // bit flips anywhere after the CID
      for (let k = randomBelow(r, 4) + 1; k > 0; k--) p[4 + randomBelow(r, REPORT_SIZE - 4)] ^= 1 << randomBelow(r, 8);
      break;
    case 3: // a bent length
      if (p[4] & 0x80) new DataView(p.buffer).setUint16(5, randomBelow(r, 0x10000));
      break;
    case 4: // a random command byte
      p[4] = 0x80 | randomBelow(r, 0x80);
      break;
    case 5: // LOCK with any duration: it must end when this host leaves
      p.set([0x80 | HidCommand.Lock, 0, 1, randomBelow(r, 256)], 4);
      break;
    default: // the seed as a real host sends it
      break;
  }
  return p;
}
