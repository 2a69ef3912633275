// `pvault serve` as a user runs it: a child process on a real device folder, CTAPHID on real sockets, the folder
// lock against a second serve and offline commands, SIGTERM syncing what hosts stored before the process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { decode } from 'cborg';
import { cli, json, PIN, PVAULT, runAsync, workspace } from '../../bin/pvault-run.ts';
import { CtaphidHostClient } from '../../../transports/ctaphid/host-client.ts';
import { CtapStatus } from '../../../vault/fido/status.ts';
import { GET_INFO, makeCredential } from './fixture.ts';

const ws = workspace();
afterAll(() => ws.cleanup());

interface Serving {
  child: ChildProcess;
  doc: { ok: true; pid: number; listeners: { transport: string; address: string }[] };
  exit: Promise<number | null>;
  stderr: () => string;
}

/** Start `pvault serve --json` and read its one line. */
async function serve(args: string[]): Promise<Serving> {
  const child = spawn(process.execPath, [PVAULT, 'serve', '--json', ...args], {
    env: { PATH: process.env.PATH, PVAULT_PIN: PIN },
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('close', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  return { child, doc: JSON.parse(line), exit, stderr: () => stderr };
}

describe('pvault serve', () => {
  it('serves CTAPHID on TCP and a UNIX socket, keeps a second serve off the folder, runs other commands through itself, syncs on SIGTERM', async () => {
    const dir = ws.fresh();
    const sock = join(dir, 'ctaphid.sock');
    const s = await serve([
      '--dir',
      dir,
      '--ctaphid',
      'tcp:127.0.0.1:0',
      '--ctaphid',
      `unix:${sock}`,
      '--presence',
      'approve',
    ]);
    try {
      expect(s.doc.listeners.map((l) => l.address)).toEqual([
        expect.stringMatching(/^tcp:127\.0\.0\.1:\d+$/),
        `unix:${sock}`,
      ]);
      const tcp = await CtaphidHostClient.connect(s.doc.listeners[0].address);
      const unix = await CtaphidHostClient.connect(s.doc.listeners[1].address);
      const reg = await tcp.cbor(makeCredential(true));
      expect(reg[0]).toBe(CtapStatus.Ok);
      const info = decode((await unix.cbor(GET_INFO)).subarray(1), { useMaps: true }) as Map<number, unknown>;
      expect(info.get(1)).toContain('FIDO_2_1');
      tcp.close();
      unix.close();

      const second = await runAsync([
        'serve',
        '--dir',
        dir,
        '--ctaphid',
        'tcp:127.0.0.1:0',
        '--presence',
        'approve',
        '--json',
      ]);
      expect(second.status).toBe(1);
      expect(JSON.parse(second.stdout).error.code).toBe('DeviceBusy');
      // Another command on the served folder runs on the served device (through its control API).
      const through = await runAsync(['fido', 'list', '--dir', dir, '--json']);
      expect(through.status, through.stderr).toBe(0);
      expect(JSON.parse(through.stdout)).toEqual([expect.objectContaining({ rpId: 'example.com' })]);
    } finally {
      s.child.kill('SIGTERM');
    }
    expect(await s.exit).toBe(0);
    // The credential made through the socket was synced before the lock was let go.
    const list = json(await cli(['fido', 'list', '--dir', dir, '--json']));
    expect(list).toEqual([expect.objectContaining({ rpId: 'example.com', basis: '.System', discoverable: true })]);
  }, 90_000);

  it('--presence deny refuses every request; SIGINT stops it too', async () => {
    const dir = ws.fresh();
    const s = await serve(['--dir', dir, '--ctaphid', 'tcp:127.0.0.1:0', '--presence', 'deny']);
    try {
      const c = await CtaphidHostClient.connect(s.doc.listeners[0].address);
      expect((await c.cbor(makeCredential()))[0]).toBe(CtapStatus.OperationDenied);
      c.close();
    } finally {
      s.child.kill('SIGINT');
    }
    expect(await s.exit).toBe(0);
  }, 90_000);

  it('usage errors: ask without a terminal, a bad address, a bad presence mode', async () => {
    const dir = ws.fresh();
    for (const args of [
      [],
      ['--presence', 'maybe'],
      ['--presence', 'approve', '--ctaphid', 'tcp:nowhere'],
      ['--presence', 'approve', '--ctaphid', 'unix:'],
      ['extra'],
    ]) {
      const r = await cli(['serve', '--dir', dir, '--json', ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(json(r).error.code).toBe('Usage');
    }
  });

  it('an address already in use fails with its code, and leaves the device unlocked', async () => {
    const dir = ws.fresh();
    const s = await serve(['--dir', ws.fresh(), '--ctaphid', 'tcp:127.0.0.1:0', '--presence', 'approve']);
    try {
      const r = await runAsync([
        'serve',
        '--dir',
        dir,
        '--ctaphid',
        s.doc.listeners[0].address,
        '--presence',
        'approve',
        '--json',
      ]);
      expect(r.status).toBe(1);
      expect(JSON.parse(r.stdout).error.code).toBe('EADDRINUSE');
      expect(json(await cli(['fido', 'list', '--dir', dir, '--json']))).toEqual([]);
    } finally {
      s.child.kill('SIGTERM');
    }
    expect(await s.exit).toBe(0);
  }, 90_000);
});
