// `pvault serve --presence ask` on a terminal: a pseudo-terminal through script(1) stands in for the user's, the
// prompt shows who asks, "y" approves, and Ctrl-C on the terminal stops the device and frees its folder.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, json, PIN, PVAULT, workspace } from '../../bin/pvault-run.ts';
import { CtaphidHostClient } from '../../../transports/ctaphid/host-client.ts';
import { CtapStatus } from '../../../vault/fido/status.ts';
import { makeCredential } from './fixture.ts';

const ws = workspace();
afterAll(() => ws.cleanup());

describe('pvault serve --presence ask', () => {
  it.skipIf(!existsSync('/usr/bin/script'))(
    'prompts on the terminal; y approves (a pseudo-terminal through script(1))',
    async () => {
      const dir = ws.fresh();
      const sock = join(dir, 'ask.sock');
      const cmd = [process.execPath, PVAULT, 'serve', '--dir', dir, '--ctaphid', `unix:${sock}`]
        .map((a) => `'${a}'`)
        .join(' ');
      const child = spawn('/usr/bin/script', ['-qfec', cmd, '/dev/null'], {
        env: { PATH: process.env.PATH, PVAULT_PIN: PIN },
      });
      let screen = '';
      child.stdout!.on('data', (d) => (screen += d));
      const exit = new Promise((resolve) => child.on('close', resolve));
      try {
        await expect.poll(() => screen, { timeout: 30_000 }).toContain(`ctaphid unix:${sock}`);
        const c = await CtaphidHostClient.connect(`unix:${sock}`);
        const pending = c.cbor(makeCredential());
        await expect
          .poll(() => screen, { timeout: 10_000 })
          .toMatch(/presence requested \(register\) by example\.com as Alice: approve\? \[y\/N\]/);
        child.stdin!.write('y\n');
        expect((await pending)[0]).toBe(CtapStatus.Ok);
        c.close();
      } finally {
        child.stdin!.write('\x03'); // Ctrl-C on the terminal: SIGINT to serve
      }
      await exit;
      expect(json(await cli(['fido', 'list', '--dir', dir, '--json']))).toHaveLength(0); // not discoverable: nothing listed
      expect(json(await cli(['fido', 'info', '--dir', dir, '--json'])).ok).toBe(true); // and the device is free again
    },
    90_000,
  );
});
