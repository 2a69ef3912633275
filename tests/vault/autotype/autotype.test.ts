import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autotype } from '../../../vault/autotype/autotype.ts';
import { getLayout } from '../../../vault/autotype/layouts.ts';
import { FileSink, MemorySink, SocketSink } from '../../../vault/autotype/sinks.ts';
import { reportsToText, textToReports } from '../../../vault/autotype/reports.ts';

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');

describe('autotype', () => {
  it('types every printable ASCII character, tab and newlines on both layouts, and decodes back', async () => {
    for (const layout of ['us101', 'dvorak']) {
      const sink = new MemorySink();
      const text = PRINTABLE + '\tline\r\nnext\n';
      const n = await autotype(text, sink, { layout });
      expect(n).toBe(2 * (95 + 1 + 4 + 1 + 4 + 1));
      expect(sink.text(getLayout(layout))).toBe(PRINTABLE + '\tline\nnext\n');
    }
  });

  it('sends key-down then all-up 8-byte boot reports with Left Shift for capitals', () => {
    const us = textToReports('aA', getLayout('us101'));
    expect(us.map((r) => Buffer.from(r).toString('hex'))).toEqual([
      '0000040000000000',
      '0000000000000000',
      '0200040000000000',
      '0000000000000000',
    ]);
    // On Dvorak the host reads the QWERTY 'd' position as 'e', 's' as 'o'.
    expect(textToReports('e', getLayout('dvorak'))[0][2]).toBe(0x07);
    expect(reportsToText(textToReports('hello', getLayout('us101')), getLayout('dvorak'))).toBe('d.nnr');
  });

  it('refuses untypable text with positions, never the characters, and sends nothing', async () => {
    const sink = new MemorySink();
    const err = await autotype('pässwörd€', sink).then(
      () => undefined,
      (e) => e,
    );
    expect(err.code).toBe('Untypable');
    expect(err.message).toMatch(/3 character\(s\).*position\(s\) 1, 5, 8/);
    expect(err.message).not.toMatch(/[äö€]/);
    expect(sink.reports).toHaveLength(0);
    await expect(autotype('x', sink, { layout: 'azerty' })).rejects.toMatchObject({ code: 'InvalidInput' });
    await expect(autotype('x', sink, { delayMs: -1 })).rejects.toMatchObject({ code: 'InvalidInput' });
  });

  it('writes raw reports to a file and a UNIX socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pvault-kbd-'));
    try {
      const file = await FileSink.open(join(dir, 'hid.bin'));
      await autotype('Hi!', file, { delayMs: 1 });
      await file.close();
      const bytes = readFileSync(join(dir, 'hid.bin'));
      expect(bytes.length).toBe(6 * 8);
      const reports = Array.from({ length: 6 }, (_, i) => new Uint8Array(bytes.subarray(i * 8, i * 8 + 8)));
      expect(reportsToText(reports, getLayout('us101'))).toBe('Hi!');

      const chunks: Buffer[] = [];
      const path = join(dir, 'kbd.sock');
      const server = createServer((s) => s.on('data', (d) => chunks.push(d)));
      await new Promise<void>((r) => server.listen(path, r));
      const closed = new Promise<void>((r) => server.on('connection', (s) => s.on('close', () => r())));
      const sock = await SocketSink.connect(path);
      await autotype('ok\n', sock);
      await sock.close();
      await closed;
      server.close();
      const all = Buffer.concat(chunks);
      const got = Array.from({ length: all.length / 8 }, (_, i) => new Uint8Array(all.subarray(i * 8, i * 8 + 8)));
      expect(reportsToText(got, getLayout('us101'))).toBe('ok\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
