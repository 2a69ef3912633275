// CTAPHID over sockets: raw 64-byte reports both ways, no report-ID byte, TCP or a UNIX socket. Each connection is
// a host attached to the one device; closing it frees its channels (a transaction it left is abandoned).
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { CtaphidDevice } from './channels.ts';
import { formatAddress, parseAddress, type SocketAddress } from './listen-address.ts';
import { ReportStream } from './report-stream.ts';

/** A host that stops reading is cut off once this much waits to be written to it. */
const MAX_UNREAD = 1 << 20;

export class CtaphidSocketServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly address: SocketAddress,
  ) {}

  /** Listen on `tcp:HOST:PORT` (port 0: any free port, reported in `address`) or `unix:PATH`. */
  static async listen(device: CtaphidDevice, spec: string | SocketAddress): Promise<CtaphidSocketServer> {
    const addr = typeof spec === 'string' ? parseAddress(spec) : spec;
    if (addr.kind === 'unix') await removeStaleSocket(addr.path);
    const server = createServer({ noDelay: true });
    const self = new CtaphidSocketServer(server, addr);
    server.on('connection', (socket) => self.serve(device, socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const done = () => {
        server.off('error', reject);
        resolve();
      };
      if (addr.kind === 'unix') server.listen(addr.path, done);
      else server.listen(addr.port, addr.host, done);
    });
    const bound = server.address();
    const address: SocketAddress =
      typeof bound === 'object' && bound && addr.kind === 'tcp'
        ? { kind: 'tcp', host: addr.host, port: bound.port }
        : addr;
    return Object.assign(self, { address });
  }

  get url(): string {
    return formatAddress(this.address);
  }

  get connections(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private serve(device: CtaphidDevice, socket: Socket): void {
    this.sockets.add(socket);
    const host = device.attach((report) => {
      if (socket.writableLength > MAX_UNREAD) return void socket.destroy();
      if (!socket.destroyed) socket.write(report);
    });
    const stream = new ReportStream((r) => host.receive(r));
    socket.on('data', (chunk) => stream.push(chunk));
    socket.on('error', () => {}); // a reset by the host is a disconnect like any other
    socket.on('close', () => {
      this.sockets.delete(socket);
      host.detach();
    });
  }
}

/** A socket file left by a process that died is replaced; one that still answers is someone else's. */
async function removeStaleSocket(path: string): Promise<void> {
  if (!existsSync(path) || !lstatSync(path).isSocket()) return;
  const alive = await new Promise<boolean>((resolve) => {
    const c = createConnection(path);
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });
  if (!alive) unlinkSync(path);
}
