// `pvault serve --host-readout` end to end: a host writes a TOTP entry in through 0x71 and reads it back through
// 0x72 over the served TCP socket, and after SIGTERM the entry is in the device folder for the offline CLI.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { decode, encode } from 'cborg';
import { PIN, PVAULT, runAsync, workspace } from '../../bin/pvault-run.ts';
import { CtaphidHostClient } from '../../../transports/ctaphid/host-client.ts';
import type { HidCommand } from '../../../transports/ctaphid/protocol.ts';
import { decodeWire, encodeWire, splitWires } from '../../../transports/ctaphid/vendor/wire.ts';

const ws = workspace();
afterAll(() => ws.cleanup());

describe('pvault serve --host-readout', () => {
  it('restores and backs up over the served socket; the entry survives the stop', async () => {
    const dir = ws.fresh();
    const child = spawn(
      process.execPath,
      [
        PVAULT,
        'serve',
        '--json',
        '--host-readout',
        '--dir',
        dir,
        '--ctaphid',
        'tcp:127.0.0.1:0',
        '--presence',
        'approve',
        '--http',
        'off',
      ],
      {
        env: { PATH: process.env.PATH, PVAULT_PIN: PIN },
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('close', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
      });
      const h = await CtaphidHostClient.connect(JSON.parse(line).listeners[0].address);
      try {
        const packet = encode(
          new Map<number, unknown>([
            [1, 2],
            [
              2,
              [
                new Map<number, unknown>([
                  [1, 30],
                  [2, 'JBSWY3DPEHPK3PXP'],
                  [3, 6],
                  [4, 1],
                  [5, 'served-entry'],
                ]),
              ],
            ],
          ]),
        );
        expect(Buffer.from(await h.transact(0x74 as HidCommand, new Uint8Array(0))).toString('hex')).toBe('cafebabe');
        expect(
          Buffer.from(await h.transact(0x71 as HidCommand, encodeWire(splitWires(packet)[0]))).toString('hex'),
        ).toBe('cafebabe');
        await h.transact(0x74 as HidCommand, new Uint8Array(0));
        const w = decodeWire(await h.transact(0x72 as HidCommand, Uint8Array.of(1)));
        expect(w.more).toBe(false);
        const back = decode(w.data, { useMaps: true }) as Map<number, Map<number, unknown>[]>;
        expect(back.get(2)!.map((e) => e.get(5))).toEqual(['served-entry']);
      } finally {
        h.close();
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exit).toBe(0);
    const list = await runAsync(['totp', 'list', '--dir', dir, '--json']);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('served-entry');
  }, 60_000);
});
