// Another pvault command on a folder a served device holds: found through control.json, refused at once with the
// page's address (not a wait on the lock), and the control client reaches the device through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveTestDevice, type ServedTestDevice } from './served-device.ts';
import { writeControlFile, CONTROL_FILE } from '../../../transports/web/control-file.ts';
import { ControlClient, RemoteError, servedControl } from '../../../bin/remote.ts';
import { runAsync } from '../../bin/pvault-run.ts';

let d: ServedTestDevice;
let dir: string;
let remove: () => void;
beforeAll(async () => {
  d = await serveTestDevice('remote');
  dir = d.device.folder.dir;
  remove = writeControlFile(dir, { url: d.web.origin, token: d.web.token, pid: process.pid });
}, 60_000);
afterAll(async () => {
  remove?.();
  await d?.close();
});

describe('a served device, from other commands', () => {
  it('servedControl finds it and the client calls the API', async () => {
    const c = (await servedControl(dir))!;
    expect(c).toBeDefined();
    await c.request('/api/totp', { name: 'remote-entry', secret: 'JBSWY3DPEHPK3PXP' });
    const list = await c.request<{ entries: { name: string }[] }>('/api/totp');
    expect(list.entries.map((e) => e.name)).toContain('remote-entry');
    const err = await c.request('/api/totp/code', { name: 'absent' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).code).toBe('NotFound');
  });

  it('a wrong token or a stale file is not a served device', async () => {
    const wrong = new ControlClient({ version: 1, url: d.web.origin, token: 'nope', pid: process.pid });
    await expect(wrong.request('/api/status')).rejects.toMatchObject({ status: 401 });
    const other = join(dir, 'elsewhere');
    expect(await servedControl(other)).toBeUndefined();
  });

  it('pvault totp list on the folder stops at once with DeviceBusy naming the page, and changes nothing', async () => {
    const r = await runAsync(['totp', 'list', '--dir', dir, '--json', '--wait', '30']);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.error.code).toBe('DeviceBusy');
    expect(out.error.message).toContain(d.web.origin);
    expect(out.error.message).not.toContain(d.web.token);
  }, 30_000);

  it('a control.json whose process is gone is ignored (the lock then decides)', async () => {
    const stale = join(dir, 'stale');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(stale, { recursive: true });
    writeFileSync(
      join(stale, CONTROL_FILE),
      JSON.stringify({ version: 1, url: d.web.origin, token: d.web.token, pid: 2 ** 22 + 1 }),
    );
    expect(await servedControl(stale)).toBeUndefined();
    writeFileSync(join(stale, CONTROL_FILE), 'not json');
    expect(await servedControl(stale)).toBeUndefined();
  });
});
