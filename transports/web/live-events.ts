// Server-sent events for the page and scripts: `screen` when the screen model changes (the modal, its countdown),
// `presence` when a new request appears, `trace` with new IPC messages, `bases` when the basis set changes. One
// poll loop runs while anyone listens; its own messages are kept out of the trace feed.
import type { ServerResponse } from 'node:http';
import type { DeviceControl } from './device-control.ts';

const POLL_MS = 250;
/** A comment line now and then keeps proxies and idle timeouts from closing the stream. */
const HEARTBEAT_MS = 15_000;
/** Streams at once: a page or two and some scripts; more is a runaway client. */
export const MAX_STREAMS = 32;

export class LiveEvents {
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopBases: (() => void) | undefined;
  private lastScreen = '';
  private lastPrompt = '';
  private traceSeq = -1;
  private polling = false;

  constructor(private readonly ctl: DeviceControl) {}

  /** Take over a response as an event stream; the current screen and the trace so far are sent at once. */
  async add(res: ServerResponse): Promise<void> {
    if (this.clients.size >= MAX_STREAMS) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ok: false,
          error: { code: 'TooManyStreams', message: `at most ${MAX_STREAMS} event streams at once` },
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stop();
    });
    try {
      send(res, 'screen', await this.ctl.pollUi.screen());
      send(res, 'trace', this.ctl.trace(-1));
      send(res, 'bases', await this.ctl.bases());
    } catch {
      // The device is powering off: end this stream rather than leave it half open.
      res.end();
      return;
    }
    if (!this.timer && this.clients.size > 0) this.start();
  }

  private start(): void {
    this.traceSeq = this.ctl.trace(-1).at(-1)?.seq ?? -1;
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.heartbeat = setInterval(() => this.clients.forEach((c) => c.write(': keep-alive\n\n')), HEARTBEAT_MS);
    this.stopBases = this.ctl.pddb.monitorBasis((bases) => this.broadcast('bases', bases));
  }

  private stop(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    this.stopBases?.();
    this.timer = this.heartbeat = this.stopBases = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const screen = await this.ctl.pollUi.screen();
      const json = JSON.stringify(screen);
      if (json !== this.lastScreen) {
        this.lastScreen = json;
        const prompt = screen.modal ? `${screen.reason}\0${screen.rp}\0${screen.user}\0${screen.queued}` : '';
        if (prompt !== '' && prompt !== this.lastPrompt) this.broadcast('presence', screen);
        this.lastPrompt = prompt;
        this.broadcast('screen', screen);
      }
      const fresh = this.ctl.trace(this.traceSeq);
      if (fresh.length > 0) {
        this.traceSeq = fresh.at(-1)!.seq;
        this.broadcast('trace', fresh);
      }
    } catch {
      // The device is powering off: the streams end with the server.
    } finally {
      this.polling = false;
    }
  }

  private broadcast(event: string, data: unknown): void {
    for (const c of this.clients) send(c, event, data);
  }

  close(): void {
    for (const c of this.clients) c.end();
    this.clients.clear();
    this.stop();
  }
}

function send(res: ServerResponse, event: string, data: unknown): void {
  res.write(
    `event: ${event}\ndata: ${JSON.stringify(data, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n\n`,
  );
}
