// CTAPHID transactions that wait for the user, over real sockets: KEEPALIVE while presence is pending, CANCEL,
// busy arbitration across hosts, hosts that vanish mid-transaction, a CANCEL storm and an INIT flood. Nothing
// crashes or hangs, and other hosts keep being served.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HidSocket } from '../../../transports/ctaphid/hid-socket.ts';
import { CtaphidHostClient } from '../../../transports/ctaphid/host-client.ts';
import { framePackets } from '../../../transports/ctaphid/packet.ts';
import { BROADCAST_CID, HidCommand, HidError, KeepaliveStatus } from '../../../transports/ctaphid/protocol.ts';
import { CtapStatus } from '../../../vault/fido/status.ts';
import { PolicyMode } from '../../../vault/ui/api.ts';
import {
  allocate,
  answer,
  expectError,
  GET_INFO,
  initPacket,
  makeCredential,
  next,
  sendMessage,
  serve,
  type Served,
} from './fixture.ts';

let srv: Served;
beforeAll(async () => {
  srv = await serve({ keepaliveMs: 40 });
});
afterAll(() => srv.close());

/** Until the ui server shows the presence modal. */
async function modalShown(): Promise<void> {
  await expect.poll(async () => (await srv.auth.ui.screen()).modal, { timeout: 10_000, interval: 10 }).toBe(true);
}

/** The device serves again: a getInfo on a fresh host answers. */
async function servesAgain(): Promise<void> {
  const c = await CtaphidHostClient.connect(srv.address);
  await expect
    .poll(async () => (await c.cbor(GET_INFO).catch(() => undefined))?.[0], { timeout: 10_000, interval: 20 })
    .toBe(0);
  c.close();
}

describe('waiting for presence', () => {
  it('sends KEEPALIVE UPNEEDED while the user is asked, then the answer once approved', async () => {
    await srv.auth.ui.setPolicy({ mode: PolicyMode.Manual });
    const c = await CtaphidHostClient.connect(srv.address);
    const seen: KeepaliveStatus[] = [];
    const pending = c.cbor(makeCredential(), {
      onKeepalive: (st) => {
        seen.push(st);
        if (st === KeepaliveStatus.UpNeeded && seen.filter((x) => x === st).length === 3)
          void srv.auth.ui.press('enter');
      },
    });
    const r = await pending;
    expect(r[0]).toBe(CtapStatus.Ok);
    expect(seen.filter((x) => x === KeepaliveStatus.UpNeeded).length).toBeGreaterThanOrEqual(3);
    c.close();
  });

  it('CANCEL ends the request with KEEPALIVE_CANCEL; other hosts are busy meanwhile, served after', async () => {
    await srv.auth.ui.setPolicy({ mode: PolicyMode.Manual });
    const a = await CtaphidHostClient.connect(srv.address);
    const b = await HidSocket.connect(srv.address);
    const bcid = await allocate(b);
    const pending = a.cbor(makeCredential());
    await modalShown();
    sendMessage(b, bcid, HidCommand.Cbor, GET_INFO);
    expect(await expectError(b, bcid)).toBe(HidError.ChannelBusy);
    // A CANCEL on another channel, or from another host with a forged CID, changes nothing.
    sendMessage(b, bcid, HidCommand.Cancel, new Uint8Array(0));
    sendMessage(b, a.cid, HidCommand.Cancel, new Uint8Array(0));
    expect(await expectError(b, a.cid)).toBe(HidError.InvalidChannel);
    expect((await srv.auth.ui.screen()).modal).toBe(true);
    a.cancel();
    expect((await pending)[0]).toBe(CtapStatus.KeepaliveCancel);
    sendMessage(b, bcid, HidCommand.Cbor, GET_INFO);
    const [cmd, body] = await answer(b, bcid);
    expect(cmd).toBe(HidCommand.Cbor);
    expect(body[0]).toBe(0);
    a.close();
    b.close();
  });

  it('a host that disconnects mid-transaction frees the device and its presence request', async () => {
    await srv.auth.ui.setPolicy({ mode: PolicyMode.Manual });
    const a = await CtaphidHostClient.connect(srv.address);
    void a.cbor(makeCredential()).catch(() => {});
    await modalShown();
    a.close();
    await expect.poll(async () => (await srv.auth.ui.screen()).modal, { timeout: 10_000 }).toBe(false);
    await servesAgain();
  });

  it('a host that sends half a message and vanishes does not block the device', async () => {
    const a = await HidSocket.connect(srv.address);
    const cid = await allocate(a);
    a.send(initPacket(cid, HidCommand.Cbor, 500, new Uint8Array(57)));
    a.close();
    await servesAgain();
    expect(srv.hid.device.channelCount).toBeLessThan(40);
  });

  it('a resync (INIT on the channel) abandons its own running request', async () => {
    await srv.auth.ui.setPolicy({ mode: PolicyMode.Manual });
    const s = await HidSocket.connect(srv.address);
    const cid = await allocate(s);
    sendMessage(s, cid, HidCommand.Cbor, makeCredential());
    await modalShown();
    sendMessage(s, cid, HidCommand.Init, new Uint8Array(8).fill(4));
    const [cmd] = await answer(s, cid);
    expect(cmd).toBe(HidCommand.Init);
    await expect.poll(async () => (await srv.auth.ui.screen()).modal, { timeout: 10_000 }).toBe(false);
    s.close();
    await servesAgain();
  });
});

describe('hostile hosts', () => {
  it('a CANCEL storm from many hosts: the device keeps serving and every request gets its answer', async () => {
    await srv.auth.ui.setPolicy({ mode: PolicyMode.Approve });
    const stormers = await Promise.all([0, 1, 2, 3].map(() => HidSocket.connect(srv.address)));
    const cids = await Promise.all(stormers.map((s) => allocate(s)));
    const honest = await CtaphidHostClient.connect(srv.address);
    let storming = true;
    const storm = (async () => {
      while (storming) {
        stormers.forEach((s, i) => {
          for (let k = 0; k < 20; k++)
            for (const r of framePackets(k % 2 ? cids[i] : honest.cid, HidCommand.Cancel, new Uint8Array(0))) s.send(r);
        });
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    for (let i = 0; i < 5; i++) {
      const r = await honest.cbor(makeCredential());
      expect(r[0]).toBe(CtapStatus.Ok);
    }
    storming = false;
    await storm;
    stormers.forEach((s) => s.close());
    honest.close();
  });

  it('an INIT flood keeps channel memory bounded and other hosts served', async () => {
    const flooder = await HidSocket.connect(srv.address);
    const other = await CtaphidHostClient.connect(srv.address);
    for (let i = 0; i < 2000; i++) {
      const nonce = new Uint8Array(8);
      new DataView(nonce.buffer).setUint32(0, i);
      for (const r of framePackets(BROADCAST_CID, HidCommand.Init, nonce)) flooder.send(r);
    }
    expect((await other.ping(Uint8Array.of(9)))[0]).toBe(9);
    // All 2000 INITs answered, in order.
    let answered = 0;
    while (answered < 2000) {
      const p = await next(flooder);
      if (p.kind === 'init' && p.cmd === HidCommand.Init) answered++;
    }
    expect(srv.hid.device.channelCount).toBeLessThanOrEqual(32 + 10);
    expect((await other.cbor(GET_INFO))[0]).toBe(0);
    flooder.close();
    other.close();
  });

  it('a host that never reads its answers is cut off, not buffered forever', async () => {
    const s = connect(Number(srv.address.split(':')[2]), '127.0.0.1');
    s.on('error', () => {});
    await new Promise((r) => s.once('connect', r));
    const closed = new Promise((r) => s.once('close', r));
    const nonce = new Uint8Array(8);
    for (const r of framePackets(BROADCAST_CID, HidCommand.Init, nonce)) s.write(r);
    const first: Buffer = await new Promise((r) => s.once('data', r));
    s.pause(); // from now on it never reads: the device's answers pile up
    const cid = first.readUInt32BE(7 + 8);
    // Each PING of the largest message is answered with 129 reports (8 KiB): 2,000 of them outgrow any socket buffer.
    const ping = Buffer.concat(framePackets(cid, HidCommand.Ping, new Uint8Array(7609)));
    for (let i = 0; i < 2000 && !s.destroyed; i++) s.write(ping);
    await closed;
    await servesAgain();
  }, 60_000);
});
