// CTAPHID on a UNIX socket: a socket file left by a process that died is replaced; one that a live process still
// listens on is not taken over (EADDRINUSE); closing the listener removes its file.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { CtaphidDevice } from '../../../transports/ctaphid/channels.ts';
import { CtaphidSocketServer } from '../../../transports/ctaphid/socket-server.ts';
import { CtaphidHostClient } from '../../../transports/ctaphid/host-client.ts';
import type { CtaphidBackend } from '../../../transports/ctaphid/backend.ts';

const dir = mkdtempSync(join(tmpdir(), 'pvault-hid-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// PING needs no authenticator: a backend that must never be reached.
const unreachable: CtaphidBackend = {
  cbor: () => Promise.reject(new Error('not here')),
  msg: () => Promise.reject(new Error('not here')),
  waitingForUser: async () => false,
  cancel: async () => {},
};

/** A process that listens on `path` until killed (SIGKILL leaves the socket file behind). */
async function listener(path: string) {
  const child = spawn(process.execPath, [
    '-e',
    `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`,
  ]);
  await new Promise((r) => child.stdout.once('data', r));
  return child;
}

it('replaces a dead socket file, refuses a live one, removes its own on close', async () => {
  const path = join(dir, 'hid.sock');
  const dead = await listener(path);
  dead.kill('SIGKILL');
  await new Promise((r) => dead.once('close', r));
  expect(existsSync(path)).toBe(true);
  const device = new CtaphidDevice(unreachable);
  const srv = await CtaphidSocketServer.listen(device, `unix:${path}`);
  const c = await CtaphidHostClient.connect(`unix:${path}`);
  expect(Array.from(await c.ping(Uint8Array.of(1, 2)))).toEqual([1, 2]);
  c.close();
  await srv.close();
  expect(existsSync(path)).toBe(false);

  const live = await listener(path);
  try {
    await expect(CtaphidSocketServer.listen(device, `unix:${path}`)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  } finally {
    live.kill('SIGKILL');
  }
}, 30_000);
