// A served authenticator for CTAPHID tests: the in-process FIDO + ui servers on an in-memory PDDB, the channel
// machine on a real TCP socket (a free port on 127.0.0.1), and helpers speaking raw reports to it.
import { encode } from 'cborg';
import { startAuthenticator, type InProcessAuthenticator } from '../../../vault/fido/in-process.ts';
import { attachCtaphid, type AttachedCtaphid } from '../../../transports/ctaphid/attach.ts';
import type { CtaphidDeviceOptions } from '../../../transports/ctaphid/channels.ts';
import type { HidSocket } from '../../../transports/ctaphid/hid-socket.ts';
import { framePackets, parsePacket, type Packet } from '../../../transports/ctaphid/packet.ts';
import { BROADCAST_CID, HidCommand } from '../../../transports/ctaphid/protocol.ts';
import { makeCredentialParams, sha256 } from '../../vault/fido/platform.ts';
import type { UiInit } from '../../../vault/ui/server.ts';

export interface Served {
  auth: InProcessAuthenticator;
  hid: AttachedCtaphid;
  address: string;
  close(): Promise<void>;
}

export async function serve(opts: CtaphidDeviceOptions = {}, ui?: UiInit, seed = 'ctaphid'): Promise<Served> {
  const auth = await startAuthenticator({ seed, ui });
  const hid = await attachCtaphid(auth.kernel.process('ctaphid'), ['tcp:127.0.0.1:0'], opts);
  return {
    auth,
    hid,
    address: hid.listeners[0].url,
    async close() {
      await auth.ui.cancel().catch(() => {});
      await hid.close();
      await auth.shutdown();
    },
  };
}

/** Wait generously: a busy machine may be slow, but an answer that never comes is a hang. */
export const WAIT = 10_000;

export async function next(s: HidSocket): Promise<Packet> {
  return parsePacket(await s.receive(WAIT));
}

export function sendMessage(s: HidSocket, cid: number, cmd: number, payload: Uint8Array): void {
  for (const r of framePackets(cid, cmd, payload)) s.send(r);
}

export function initPacket(cid: number, cmd: number, bcnt: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const r = new Uint8Array(64);
  const dv = new DataView(r.buffer);
  dv.setUint32(0, cid >>> 0);
  r[4] = 0x80 | cmd;
  dv.setUint16(5, bcnt);
  r.set(data.subarray(0, 57), 7);
  return r;
}

export function contPacket(cid: number, seq: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const r = new Uint8Array(64);
  new DataView(r.buffer).setUint32(0, cid >>> 0);
  r[4] = seq;
  r.set(data.subarray(0, 59), 5);
  return r;
}

/** INIT on broadcast: the new channel. */
export async function allocate(s: HidSocket, nonce = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)): Promise<number> {
  sendMessage(s, BROADCAST_CID, HidCommand.Init, nonce);
  for (;;) {
    const p = await next(s);
    if (
      p.kind === 'init' &&
      p.cid === BROADCAST_CID &&
      p.cmd === HidCommand.Init &&
      Buffer.from(p.data.subarray(0, 8)).equals(nonce)
    ) {
      return new DataView(p.data.buffer, p.data.byteOffset).getUint32(8);
    }
  }
}

/** The next answer on `cid` that is not a KEEPALIVE, reassembled: [cmd, payload]. */
export async function answer(s: HidSocket, cid: number): Promise<[number, Uint8Array]> {
  for (;;) {
    const p = await next(s);
    if (p.kind !== 'init' || p.cid !== cid || p.cmd === HidCommand.Keepalive) continue;
    const out = new Uint8Array(p.bcnt);
    let filled = Math.min(p.bcnt, 57);
    out.set(p.data.subarray(0, filled));
    while (filled < p.bcnt) {
      const c = await next(s);
      if (c.cid !== cid || c.kind !== 'cont') continue;
      const part = c.data.subarray(0, p.bcnt - filled);
      out.set(part, filled);
      filled += part.length;
    }
    return [p.cmd, out];
  }
}

export async function expectError(s: HidSocket, cid: number): Promise<number> {
  const [cmd, body] = await answer(s, cid);
  if (cmd !== HidCommand.Error) throw new Error(`expected ERROR, got command 0x${cmd.toString(16)}`);
  return body[0];
}

export const GET_INFO = Uint8Array.of(0x04);

/** A makeCredential request (needs the user's presence). */
export function makeCredential(rk = false): Uint8Array {
  const params = makeCredentialParams({ rk }, sha256('client data'));
  return new Uint8Array(Buffer.concat([Buffer.from([0x01]), encode(params)]));
}
