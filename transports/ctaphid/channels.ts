// The device side of CTAPHID: channel allocation (INIT on broadcast) and resync, one transaction at a time across
// every attached host (others get CHANNEL_BUSY), message assembly with sequence checks and an inter-packet timeout,
// KEEPALIVE while the authenticator works or waits for the user, CANCEL, LOCK, WINK, PING, MSG and CBOR. Hosts are
// whatever delivers reports (a socket connection, a test); a host may only use the channels it allocated.
import { defaultRandom, randomU32, type Random } from '../../lib/random.ts';
import type { CtaphidBackend } from './backend.ts';
import type { VendorAnswer, VendorHandler } from './vendor/protocol.ts';
import { framePackets, isBroadcast, parsePacket, type Packet } from './packet.ts';
import {
  CAPABILITY_CBOR,
  CAPABILITY_WINK,
  HidCommand,
  HidError,
  KeepaliveStatus,
  MAX_LOCK_S,
  MAX_MESSAGE,
  PROTOCOL_VERSION,
} from './protocol.ts';

export interface CtaphidDeviceOptions {
  random?: Random;
  /** Longest gap between two packets of one message before MSG_TIMEOUT (the spec suggests 500 ms). */
  msgTimeoutMs?: number;
  /** KEEPALIVE period while a CBOR request runs; the spec asks for at least one every 100 ms. */
  keepaliveMs?: number;
  /** Channels one host may hold; INIT beyond this recycles the host's oldest (an INIT flood cannot grow memory). */
  maxChannelsPerHost?: number;
  /** Device version in the INIT response: major, minor, build. */
  version?: [number, number, number];
  /** Vendor commands (the Vault's host readout); without it every vendor command is INVALID_CMD. */
  vendor?: VendorHandler;
}

/** What a transport holds for one attached host. */
export interface AttachedHost {
  receive(report: Uint8Array): void;
  detach(): void;
}

interface Host {
  id: number;
  send: (report: Uint8Array) => void;
  channels: number[];
  attached: boolean;
}

interface Assembly {
  host: Host;
  cid: number;
  cmd: number;
  buf: Uint8Array;
  filled: number;
  nextSeq: number;
  timer: NodeJS.Timeout;
}

interface Transaction {
  host: Host;
  cid: number;
  /** Cancelled by CANCEL, a resync or the host leaving: the answer (if any) is not sent. */
  cancelled: boolean;
  abandoned: boolean;
}

export class CtaphidDevice {
  private readonly random: Random;
  private readonly msgTimeoutMs: number;
  private readonly keepaliveMs: number;
  private readonly maxChannels: number;
  private readonly version: [number, number, number];
  private readonly vendor?: VendorHandler;
  private readonly owners = new Map<number, Host>();
  private nextHostId = 1;
  private assembly?: Assembly;
  private running?: Transaction;
  private lock?: { cid: number; until: number };
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly backend: CtaphidBackend,
    opts: CtaphidDeviceOptions = {},
  ) {
    this.random = opts.random ?? defaultRandom;
    this.msgTimeoutMs = opts.msgTimeoutMs ?? 500;
    this.keepaliveMs = opts.keepaliveMs ?? 50;
    this.maxChannels = opts.maxChannelsPerHost ?? 32;
    this.version = opts.version ?? [0, 9, 0];
    this.vendor = opts.vendor;
  }

  attach(send: (report: Uint8Array) => void): AttachedHost {
    const host: Host = { id: this.nextHostId++, send, channels: [], attached: true };
    return { receive: (report) => this.receive(host, report), detach: () => this.detach(host) };
  }

  /** Channels allocated now, over every host (for tests and status). */
  get channelCount(): number {
    return this.owners.size;
  }

  /** Resolves when no transaction runs (shutdown waits for the authenticator's answer to be written). */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private receive(host: Host, report: Uint8Array): void {
    if (!host.attached) return;
    const p = parsePacket(report);
    if (p.kind === 'init' && p.cmd === HidCommand.Init) return this.init(host, p);
    if (p.cid === 0 || isBroadcast(p.cid) || this.owners.get(p.cid) !== host) {
      // A continuation belongs to nothing we could answer; an init packet gets told.
      if (p.kind === 'init') this.error(host, p.cid, HidError.InvalidChannel);
      return;
    }
    if (p.kind === 'cont') return this.continuation(host, p);
    if (p.cmd === HidCommand.Cancel) return this.cancel(host, p.cid);
    const a = this.assembly;
    if (a) {
      if (a.cid === p.cid) {
        this.dropAssembly();
        return this.error(host, p.cid, HidError.InvalidSeq);
      }
      return this.error(host, p.cid, HidError.ChannelBusy);
    }
    if (this.running || this.lockedAgainst(p.cid)) return this.error(host, p.cid, HidError.ChannelBusy);
    if (p.bcnt > MAX_MESSAGE) return this.error(host, p.cid, HidError.InvalidLen);
    const buf = new Uint8Array(p.bcnt);
    const first = p.data.subarray(0, p.bcnt);
    buf.set(first);
    if (first.length === p.bcnt) return void this.dispatch(host, p.cid, p.cmd, buf);
    this.assembly = {
      host,
      cid: p.cid,
      cmd: p.cmd,
      buf,
      filled: first.length,
      nextSeq: 0,
      timer: this.assemblyTimer(host, p.cid),
    };
  }

  private continuation(host: Host, p: Extract<Packet, { kind: 'cont' }>): void {
    const a = this.assembly;
    if (!a || a.cid !== p.cid || a.host !== host) return; // spurious: ignored, as the spec says
    if (p.seq !== a.nextSeq) {
      this.dropAssembly();
      return this.error(host, p.cid, HidError.InvalidSeq);
    }
    const part = p.data.subarray(0, a.buf.length - a.filled);
    a.buf.set(part, a.filled);
    a.filled += part.length;
    a.nextSeq++;
    clearTimeout(a.timer);
    if (a.filled < a.buf.length) {
      a.timer = this.assemblyTimer(host, p.cid);
      return;
    }
    this.assembly = undefined;
    void this.dispatch(host, a.cid, a.cmd, a.buf);
  }

  private assemblyTimer(host: Host, cid: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      if (this.assembly?.cid !== cid) return;
      this.assembly = undefined;
      this.error(host, cid, HidError.MsgTimeout);
    }, this.msgTimeoutMs);
    t.unref();
    return t;
  }

  private dropAssembly(): void {
    if (!this.assembly) return;
    clearTimeout(this.assembly.timer);
    this.assembly = undefined;
  }

  private init(host: Host, p: Extract<Packet, { kind: 'init' }>): void {
    if (p.bcnt !== 8) return this.error(host, p.cid, HidError.InvalidLen);
    let cid: number;
    if (isBroadcast(p.cid)) {
      cid = this.allocate(host);
    } else if (p.cid !== 0 && this.owners.get(p.cid) === host) {
      cid = p.cid; // resync: whatever this channel was doing is abandoned
      if (this.assembly?.cid === cid) this.dropAssembly();
      if (this.running?.cid === cid) this.abandon(this.running);
    } else {
      return this.error(host, p.cid, HidError.InvalidChannel);
    }
    const r = new Uint8Array(17);
    r.set(p.data.subarray(0, 8));
    new DataView(r.buffer).setUint32(8, cid);
    r.set([PROTOCOL_VERSION, ...this.version, CAPABILITY_WINK | CAPABILITY_CBOR], 12);
    this.send(host, p.cid, HidCommand.Init, r);
  }

  private allocate(host: Host): number {
    let cid: number;
    do cid = randomU32(this.random);
    while (cid === 0 || isBroadcast(cid) || this.owners.has(cid));
    this.owners.set(cid, host);
    host.channels.push(cid);
    if (host.channels.length > this.maxChannels) this.release(host.channels.shift()!);
    return cid;
  }

  private release(cid: number): void {
    this.owners.delete(cid);
    if (this.assembly?.cid === cid) this.dropAssembly();
    if (this.running?.cid === cid) this.abandon(this.running);
    if (this.lock?.cid === cid) this.lock = undefined;
  }

  private detach(host: Host): void {
    if (!host.attached) return;
    host.attached = false;
    for (const cid of host.channels) this.release(cid);
    host.channels = [];
  }

  private cancel(host: Host, cid: number): void {
    if (this.assembly?.cid === cid) this.dropAssembly();
    const t = this.running;
    if (t?.cid !== cid || t.host !== host || t.cancelled) return;
    // The authenticator answers KEEPALIVE_CANCEL itself once the presence request ends; that answer is sent.
    t.cancelled = true;
    void this.backend.cancel().catch(() => {});
  }

  /** The answer of an abandoned transaction is dropped, and a presence request it left on screen is cancelled. */
  private abandon(t: Transaction): void {
    t.abandoned = true;
    this.cancel(t.host, t.cid);
  }

  private lockedAgainst(cid: number): boolean {
    if (!this.lock) return false;
    if (Date.now() >= this.lock.until) this.lock = undefined;
    return this.lock !== undefined && this.lock.cid !== cid;
  }

  private async dispatch(host: Host, cid: number, cmd: number, payload: Uint8Array): Promise<void> {
    switch (cmd) {
      case HidCommand.Ping:
        return this.send(host, cid, cmd, payload);
      case HidCommand.Wink:
        return this.send(host, cid, cmd, new Uint8Array(0));
      case HidCommand.Lock:
        if (payload.length !== 1) return this.error(host, cid, HidError.InvalidLen);
        if (payload[0] > MAX_LOCK_S) return this.error(host, cid, HidError.InvalidPar);
        this.lock = payload[0] === 0 ? undefined : { cid, until: Date.now() + payload[0] * 1000 };
        return this.send(host, cid, cmd, new Uint8Array(0));
      case HidCommand.Cbor:
      case HidCommand.Msg:
        if (payload.length === 0) return this.error(host, cid, HidError.InvalidLen);
        return this.transact(host, cid, cmd, payload);
      default:
        if (this.vendor?.handles(cmd)) return this.transact(host, cid, cmd, payload);
        return this.error(host, cid, HidError.InvalidCmd);
    }
  }

  private async transact(host: Host, cid: number, cmd: number, payload: Uint8Array): Promise<void> {
    const t: Transaction = { host, cid, cancelled: false, abandoned: false };
    this.running = t;
    const keepalive = cmd === HidCommand.Cbor ? this.keepalive(t) : undefined;
    try {
      const answer = await this.forward(cid, cmd, payload);
      if (t.abandoned) return;
      if ('error' in answer) this.error(host, cid, answer.error);
      else this.send(host, cid, cmd, answer.payload);
    } catch {
      if (!t.abandoned) this.error(host, cid, HidError.Other);
    } finally {
      if (keepalive) clearInterval(keepalive);
      this.running = undefined;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async forward(cid: number, cmd: number, payload: Uint8Array): Promise<VendorAnswer> {
    if (cmd === HidCommand.Cbor) return { payload: await this.backend.cbor(payload) };
    if (cmd === HidCommand.Msg) return { payload: await this.backend.msg(payload) };
    return this.vendor!.run(cid, cmd, payload);
  }

  private keepalive(t: Transaction): NodeJS.Timeout {
    let asking = false;
    const timer = setInterval(() => {
      if (asking) return;
      asking = true;
      this.backend
        .waitingForUser()
        .then((waiting) => {
          if (this.running !== t) return;
          // A CANCEL that arrived before the presence request was shown cancels it once it is.
          if (waiting && t.cancelled) void this.backend.cancel().catch(() => {});
          if (!t.abandoned)
            this.send(
              t.host,
              t.cid,
              HidCommand.Keepalive,
              Uint8Array.of(waiting ? KeepaliveStatus.UpNeeded : KeepaliveStatus.Processing),
            );
        })
        .catch(() => {})
        .finally(() => (asking = false));
    }, this.keepaliveMs);
    timer.unref();
    return timer;
  }

  private error(host: Host, cid: number, code: HidError): void {
    this.send(host, cid, HidCommand.Error, Uint8Array.of(code));
  }

  private send(host: Host, cid: number, cmd: number, payload: Uint8Array): void {
    if (!host.attached) return;
    for (const report of framePackets(cid, cmd, payload)) host.send(report);
  }
}
