// The host's end of a CTAPHID socket at the report level: send a 64-byte report, wait for the next one. The
// client (host-client.ts), the tests and the fuzzer stand on it.
import { connect, type Socket } from 'node:net';
import { parseAddress, type SocketAddress } from './listen-address.ts';
import { ReportStream } from './report-stream.ts';
import { REPORT_SIZE } from './protocol.ts';

export class HidSocketClosed extends Error {
  override name = 'HidSocketClosed';
}

export class HidSocket {
  private readonly queue: Uint8Array[] = [];
  private waiter?: { resolve: (r: Uint8Array) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout };
  private closed = false;

  private constructor(private readonly socket: Socket) {
    const stream = new ReportStream((r) => {
      const w = this.waiter;
      if (!w) return void this.queue.push(r);
      this.waiter = undefined;
      clearTimeout(w.timer);
      w.resolve(r);
    });
    socket.on('data', (chunk) => stream.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      const w = this.waiter;
      this.waiter = undefined;
      if (w) clearTimeout(w.timer), w.reject(new HidSocketClosed('the device closed the connection'));
    });
  }

  static async connect(spec: string | SocketAddress): Promise<HidSocket> {
    const a = typeof spec === 'string' ? parseAddress(spec) : spec;
    const socket = a.kind === 'unix' ? connect(a.path) : connect(a.port, a.host);
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new HidSocket(socket);
  }

  /** Send one report (shorter input is zero-padded to 64 bytes). */
  send(report: Uint8Array): void {
    if (this.closed) throw new HidSocketClosed('the connection is closed');
    const r = new Uint8Array(REPORT_SIZE);
    r.set(report.subarray(0, REPORT_SIZE));
    this.socket.write(r);
  }

  /** Raw bytes, not cut into reports (tests of a torn stream). */
  sendBytes(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next report from the device; rejects after `timeoutMs` (undefined: wait as long as it takes). */
  receive(timeoutMs?: number): Promise<Uint8Array> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closed) return Promise.reject(new HidSocketClosed('the connection is closed'));
    if (this.waiter) return Promise.reject(new Error('one receive at a time'));
    return new Promise((resolve, reject) => {
      const w: NonNullable<HidSocket['waiter']> = { resolve, reject };
      if (timeoutMs !== undefined) {
        w.timer = setTimeout(() => {
          if (this.waiter === w) this.waiter = undefined;
          reject(new HidTimeout(`no report within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.waiter = w;
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

export class HidTimeout extends Error {
  override name = 'HidTimeout';
}
