// CTAPHID framing and channel rules over a real TCP socket: every malformed packet gets the CTAPHID error the spec
// names, and the device keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode } from 'cborg';
import { HidSocket } from '../../../transports/ctaphid/hid-socket.ts';
import { framePackets } from '../../../transports/ctaphid/packet.ts';
import { CtaphidHostClient } from '../../../transports/ctaphid/host-client.ts';
import {
  BROADCAST_CID,
  CtaphidError,
  HidCommand,
  HidError,
  MAX_MESSAGE,
} from '../../../transports/ctaphid/protocol.ts';
import {
  allocate,
  answer,
  contPacket,
  expectError,
  GET_INFO,
  initPacket,
  sendMessage,
  serve,
  type Served,
} from './fixture.ts';

let srv: Served;
beforeAll(async () => {
  srv = await serve({ msgTimeoutMs: 300 });
});
afterAll(() => srv.close());

async function host() {
  const s = await HidSocket.connect(srv.address);
  return { s, cid: await allocate(s) };
}

describe('INIT', () => {
  it('allocates a distinct channel per INIT and answers nonce | CID | version | capabilities', async () => {
    const s = await HidSocket.connect(srv.address);
    const nonce = Uint8Array.of(9, 8, 7, 6, 5, 4, 3, 2);
    sendMessage(s, BROADCAST_CID, HidCommand.Init, nonce);
    const [cmd, body] = await answer(s, BROADCAST_CID);
    expect(cmd).toBe(HidCommand.Init);
    expect(body.length).toBe(17);
    expect(Buffer.from(body.subarray(0, 8)).equals(Buffer.from(nonce))).toBe(true);
    const cid = new DataView(body.buffer, body.byteOffset).getUint32(8);
    expect(cid).not.toBe(0);
    expect(cid).not.toBe(BROADCAST_CID);
    expect(body[12]).toBe(2);
    expect(body[16] & 0x04).toBe(0x04); // CBOR
    expect(body[16] & 0x08).toBe(0); // MSG is answered
    const other = await allocate(s);
    expect(other).not.toBe(cid);
    s.close();
  });

  it('INIT on an allocated channel resyncs it: same CID, a half message forgotten', async () => {
    const { s, cid } = await host();
    s.send(initPacket(cid, HidCommand.Ping, 100, new Uint8Array(57).fill(1)));
    sendMessage(s, cid, HidCommand.Init, Uint8Array.of(1, 1, 1, 1, 1, 1, 1, 1));
    const [cmd, body] = await answer(s, cid);
    expect(cmd).toBe(HidCommand.Init);
    expect(new DataView(body.buffer, body.byteOffset).getUint32(8)).toBe(cid);
    sendMessage(s, cid, HidCommand.Ping, Uint8Array.of(5));
    expect(await answer(s, cid)).toEqual([HidCommand.Ping, Uint8Array.of(5)]);
    s.close();
  });

  it('INIT with a length other than 8 is INVALID_LEN; INIT on an unallocated channel is INVALID_CHANNEL', async () => {
    const { s } = await host();
    s.send(initPacket(BROADCAST_CID, HidCommand.Init, 7, new Uint8Array(7)));
    expect(await expectError(s, BROADCAST_CID)).toBe(HidError.InvalidLen);
    sendMessage(s, 0x12345678, HidCommand.Init, new Uint8Array(8));
    expect(await expectError(s, 0x12345678)).toBe(HidError.InvalidChannel);
    s.close();
  });
});

describe('bad packets', () => {
  it('a command other than INIT on the broadcast channel or channel 0 is INVALID_CHANNEL', async () => {
    const { s } = await host();
    sendMessage(s, BROADCAST_CID, HidCommand.Ping, Uint8Array.of(1));
    expect(await expectError(s, BROADCAST_CID)).toBe(HidError.InvalidChannel);
    sendMessage(s, 0, HidCommand.Cbor, GET_INFO);
    expect(await expectError(s, 0)).toBe(HidError.InvalidChannel);
    s.close();
  });

  it("another host's channel is INVALID_CHANNEL (channels belong to the host that allocated them)", async () => {
    const a = await host();
    const b = await host();
    sendMessage(b.s, a.cid, HidCommand.Ping, Uint8Array.of(1));
    expect(await expectError(b.s, a.cid)).toBe(HidError.InvalidChannel);
    a.s.close();
    b.s.close();
  });

  it('an unknown command, or KEEPALIVE/ERROR sent by a host, is INVALID_CMD', async () => {
    const { s, cid } = await host();
    for (const cmd of [0x02, 0x3b, 0x3f, 0x40, 0x71, 0x7f]) {
      sendMessage(s, cid, cmd, Uint8Array.of(0));
      expect(await expectError(s, cid)).toBe(HidError.InvalidCmd);
    }
    s.close();
  });

  it('a length above the largest message is INVALID_LEN; an empty CBOR or MSG too', async () => {
    const { s, cid } = await host();
    s.send(initPacket(cid, HidCommand.Ping, MAX_MESSAGE + 1));
    expect(await expectError(s, cid)).toBe(HidError.InvalidLen);
    s.send(initPacket(cid, HidCommand.Cbor, 0));
    expect(await expectError(s, cid)).toBe(HidError.InvalidLen);
    s.send(initPacket(cid, HidCommand.Msg, 0));
    expect(await expectError(s, cid)).toBe(HidError.InvalidLen);
    s.close();
  });

  it('a continuation out of sequence is INVALID_SEQ, and the message is dropped', async () => {
    const { s, cid } = await host();
    s.send(initPacket(cid, HidCommand.Ping, 200));
    s.send(contPacket(cid, 0));
    s.send(contPacket(cid, 2));
    expect(await expectError(s, cid)).toBe(HidError.InvalidSeq);
    s.send(contPacket(cid, 1)); // belongs to nothing now: ignored
    sendMessage(s, cid, HidCommand.Ping, Uint8Array.of(7));
    expect(await answer(s, cid)).toEqual([HidCommand.Ping, Uint8Array.of(7)]);
    s.close();
  });

  it('a new init packet on the channel mid-message is INVALID_SEQ', async () => {
    const { s, cid } = await host();
    s.send(initPacket(cid, HidCommand.Ping, 200));
    s.send(initPacket(cid, HidCommand.Ping, 1, Uint8Array.of(1)));
    expect(await expectError(s, cid)).toBe(HidError.InvalidSeq);
    s.close();
  });

  it('spurious continuations are ignored', async () => {
    const { s, cid } = await host();
    s.send(contPacket(cid, 0));
    s.send(contPacket(cid, 5));
    sendMessage(s, cid, HidCommand.Ping, Uint8Array.of(3));
    expect(await answer(s, cid)).toEqual([HidCommand.Ping, Uint8Array.of(3)]);
    s.close();
  });

  it('a message that stalls gets MSG_TIMEOUT, and frees the device', async () => {
    const a = await host();
    const b = await host();
    a.s.send(initPacket(a.cid, HidCommand.Ping, 100));
    sendMessage(b.s, b.cid, HidCommand.Ping, Uint8Array.of(1));
    expect(await expectError(b.s, b.cid)).toBe(HidError.ChannelBusy);
    expect(await expectError(a.s, a.cid)).toBe(HidError.MsgTimeout);
    sendMessage(b.s, b.cid, HidCommand.Ping, Uint8Array.of(2));
    expect(await answer(b.s, b.cid)).toEqual([HidCommand.Ping, Uint8Array.of(2)]);
    a.s.close();
    b.s.close();
  });

  it('reports torn across TCP segments are reassembled', async () => {
    const { s, cid } = await host();
    const msg = new Uint8Array(1000).map((_, i) => i & 0xff);
    const reports = Buffer.concat(framePackets(cid, HidCommand.Ping, msg));
    for (let off = 0; off < reports.length; off += 37) s.sendBytes(reports.subarray(off, off + 37));
    const [cmd, body] = await answer(s, cid);
    expect(cmd).toBe(HidCommand.Ping);
    expect(Buffer.from(body).equals(Buffer.from(msg))).toBe(true);
    s.close();
  });
});

describe('commands', () => {
  it('PING echoes the largest message', async () => {
    const c = await CtaphidHostClient.connect(srv.address);
    const msg = new Uint8Array(MAX_MESSAGE).map((_, i) => (i * 7) & 0xff);
    expect(Buffer.from(await c.ping(msg)).equals(Buffer.from(msg))).toBe(true);
    c.close();
  });

  it('CBOR getInfo answers the authenticator', async () => {
    const c = await CtaphidHostClient.connect(srv.address);
    const r = await c.cbor(GET_INFO);
    expect(r[0]).toBe(0);
    const info = decode(r.subarray(1), { useMaps: true }) as Map<number, unknown>;
    expect(info.get(1)).toContain('FIDO_2_0');
    c.close();
  });

  it('MSG carries a U2F APDU (VERSION)', async () => {
    const c = await CtaphidHostClient.connect(srv.address);
    const r = await c.msg(Uint8Array.of(0, 3, 0, 0, 0, 0, 0));
    expect(Buffer.from(r).toString('latin1')).toBe('U2F_V2\x90\x00');
    c.close();
  });

  it('WINK answers empty', async () => {
    const c = await CtaphidHostClient.connect(srv.address);
    expect((await c.transact(HidCommand.Wink, new Uint8Array(0))).length).toBe(0);
    c.close();
  });

  it('LOCK: bad length INVALID_LEN, above 10 s INVALID_PAR; a lock keeps other channels busy until released', async () => {
    const a = await CtaphidHostClient.connect(srv.address);
    const b = await CtaphidHostClient.connect(srv.address);
    await expect(a.transact(HidCommand.Lock, Uint8Array.of(1, 2))).rejects.toMatchObject({ code: HidError.InvalidLen });
    await expect(a.transact(HidCommand.Lock, Uint8Array.of(11))).rejects.toMatchObject({ code: HidError.InvalidPar });
    await a.transact(HidCommand.Lock, Uint8Array.of(10));
    await expect(b.ping(Uint8Array.of(1))).rejects.toBeInstanceOf(CtaphidError);
    await expect(b.ping(Uint8Array.of(1))).rejects.toMatchObject({ code: HidError.ChannelBusy });
    expect((await a.ping(Uint8Array.of(4)))[0]).toBe(4);
    await a.transact(HidCommand.Lock, Uint8Array.of(0));
    expect((await b.ping(Uint8Array.of(5)))[0]).toBe(5);
    a.close();
    b.close();
  });

  it('a host that holds a lock and leaves releases it', async () => {
    const a = await CtaphidHostClient.connect(srv.address);
    const b = await CtaphidHostClient.connect(srv.address);
    await a.transact(HidCommand.Lock, Uint8Array.of(10));
    a.close();
    await expect
      .poll(async () => (await b.ping(Uint8Array.of(6)).catch(() => undefined))?.[0], { timeout: 10_000 })
      .toBe(6);
    b.close();
  });
});
