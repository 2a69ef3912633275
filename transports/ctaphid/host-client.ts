// A CTAPHID host over a socket, as libfido2 or a browser drives a key: allocate a channel with INIT, send a
// message, skip KEEPALIVEs (reporting them), reassemble the answer, raise ERROR as CtaphidError. It offers cbor()
// and msg() like the FIDO server's IPC client, so the WebAuthn client runs over either.
import { defaultRandom, randomBytes, type Random } from '../../lib/random.ts';
import { HidSocket } from './hid-socket.ts';
import type { SocketAddress } from './listen-address.ts';
import { framePackets, parsePacket } from './packet.ts';
import { BROADCAST_CID, CtaphidError, HidCommand, type KeepaliveStatus } from './protocol.ts';

export interface TransactOptions {
  onKeepalive?: (status: KeepaliveStatus) => void;
  /** Give up when no report arrives for this long (KEEPALIVEs count). Default: wait. */
  timeoutMs?: number;
}

export interface InitInfo {
  cid: number;
  protocol: number;
  version: [number, number, number];
  capabilities: number;
}

export class CtaphidHostClient {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly socket: HidSocket,
    readonly info: InitInfo,
  ) {}

  static async connect(address: string | SocketAddress, random: Random = defaultRandom): Promise<CtaphidHostClient> {
    const socket = await HidSocket.connect(address);
    try {
      return new CtaphidHostClient(socket, await allocateChannel(socket, random));
    } catch (e) {
      socket.close();
      throw e;
    }
  }

  get cid(): number {
    return this.info.cid;
  }

  cbor(message: Uint8Array, opts?: TransactOptions): Promise<Uint8Array> {
    return this.transact(HidCommand.Cbor, message, opts);
  }

  msg(apdu: Uint8Array, opts?: TransactOptions): Promise<Uint8Array> {
    return this.transact(HidCommand.Msg, apdu, opts);
  }

  ping(data: Uint8Array): Promise<Uint8Array> {
    return this.transact(HidCommand.Ping, data);
  }

  /** CANCEL the running request on this channel (no answer of its own: the request answers KEEPALIVE_CANCEL). */
  cancel(): void {
    for (const r of framePackets(this.cid, HidCommand.Cancel, new Uint8Array(0))) this.socket.send(r);
  }

  /** One message at a time per channel; calls queue. */
  transact(cmd: HidCommand, payload: Uint8Array, opts: TransactOptions = {}): Promise<Uint8Array> {
    const run = this.chain.then(() => exchange(this.socket, this.cid, cmd, payload, opts));
    this.chain = run.catch(() => {});
    return run;
  }

  close(): void {
    this.socket.close();
  }
}

async function allocateChannel(socket: HidSocket, random: Random): Promise<InitInfo> {
  const nonce = randomBytes(random, 8);
  for (const r of framePackets(BROADCAST_CID, HidCommand.Init, nonce)) socket.send(r);
  for (;;) {
    const p = await readMessage(socket, BROADCAST_CID, HidCommand.Init, {});
    if (p.length < 17 || !Buffer.from(p.subarray(0, 8)).equals(nonce)) continue; // another host's INIT answer
    const dv = new DataView(p.buffer, p.byteOffset, p.length);
    return { cid: dv.getUint32(8), protocol: p[12], version: [p[13], p[14], p[15]], capabilities: p[16] };
  }
}

async function exchange(
  socket: HidSocket,
  cid: number,
  cmd: HidCommand,
  payload: Uint8Array,
  opts: TransactOptions,
): Promise<Uint8Array> {
  for (const r of framePackets(cid, cmd, payload)) socket.send(r);
  return readMessage(socket, cid, cmd, opts);
}

/** Read the answer to `cmd` on `cid`: KEEPALIVEs reported, reports of other channels skipped. */
async function readMessage(
  socket: HidSocket,
  cid: number,
  cmd: HidCommand,
  opts: TransactOptions,
): Promise<Uint8Array> {
  for (;;) {
    const p = parsePacket(await socket.receive(opts.timeoutMs));
    if (p.cid !== cid || p.kind !== 'init') continue;
    if (p.cmd === HidCommand.Keepalive) {
      opts.onKeepalive?.(p.data[0] as KeepaliveStatus);
      continue;
    }
    if (p.cmd === HidCommand.Error) throw new CtaphidError(p.data[0]);
    if (p.cmd !== cmd)
      throw new CtaphidError(0, `CTAPHID: answer 0x${p.cmd.toString(16)} to command 0x${cmd.toString(16)}`);
    const out = new Uint8Array(p.bcnt);
    let filled = Math.min(p.bcnt, p.data.length);
    out.set(p.data.subarray(0, filled));
    for (let seq = 0; filled < p.bcnt; seq++) {
      const c = parsePacket(await socket.receive(opts.timeoutMs));
      if (c.cid !== cid) continue;
      if (c.kind !== 'cont' || c.seq !== seq) throw new CtaphidError(0, 'CTAPHID: the device broke its own sequence');
      const part = c.data.subarray(0, p.bcnt - filled);
      out.set(part, filled);
      filled += part.length;
    }
    return out;
  }
}
