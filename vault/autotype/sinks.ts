// Where autotype sends keyboard reports: a file of raw 8-byte reports (a gadget device such as /dev/hidg0, or a
// capture file), a UNIX socket, or memory (tests decode it back to text).
import { open, type FileHandle } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { once } from 'node:events';
import { reportsToText } from './reports.ts';
import type { Layout } from './layouts.ts';

export interface KeyboardSink {
  send(report: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export class FileSink implements KeyboardSink {
  private constructor(private readonly fh: FileHandle) {}

  /** Appends: a capture file keeps earlier runs; a device node does not care. */
  static async open(path: string): Promise<FileSink> {
    return new FileSink(await open(path, 'a', 0o600));
  }

  async send(report: Uint8Array): Promise<void> {
    await this.fh.write(report);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

export class SocketSink implements KeyboardSink {
  private constructor(private readonly socket: Socket) {}

  static async connect(path: string): Promise<SocketSink> {
    const socket = createConnection(path);
    await once(socket, 'connect');
    return new SocketSink(socket);
  }

  async send(report: Uint8Array): Promise<void> {
    if (!this.socket.write(report)) await once(this.socket, 'drain');
  }

  async close(): Promise<void> {
    this.socket.end();
    await once(this.socket, 'close');
  }
}

export class MemorySink implements KeyboardSink {
  readonly reports: Uint8Array[] = [];
  closed = false;

  async send(report: Uint8Array): Promise<void> {
    this.reports.push(report.slice());
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  text(layout: Layout): string {
    return reportsToText(this.reports, layout);
  }
}
