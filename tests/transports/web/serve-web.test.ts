// `pvault serve` with its device page, as a user runs it: a child process on a real folder, the control API on a
// free port, control.json while it runs; a second serve refused; a serve killed (SIGKILL) right after API writes:
// the device boots again offline with every entry the API acknowledged.
import type { ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { json, runAsync, workspace } from '../../bin/pvault-run.ts';
import { startServe } from '../../bin/served-process.ts';
import { readControlFile } from '../../../transports/web/control-file.ts';

const ws = workspace();
afterAll(() => ws.cleanup());

async function serve(dir: string): Promise<{ child: ChildProcess; page: string; exit: Promise<number | null> }> {
  const { child, line, exit } = await startServe(dir);
  return { child, page: JSON.parse(line).page, exit };
}

describe('pvault serve --http', () => {
  it('serves the page and the API, advertises them in control.json (0600), refuses a second serve, and cleans up on SIGTERM', async () => {
    const dir = ws.fresh();
    const s = await serve(dir);
    try {
      const info = readControlFile(dir)!;
      expect(info.pid).toBe(s.child.pid);
      expect(statSync(join(dir, 'control.json')).mode & 0o077).toBe(0);
      expect(s.page).toBe(`${info.url}/#token=${info.token}`);
      const page = await fetch(info.url.replace('localhost', '127.0.0.1') + '/');
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<canvas id="screen" width="336" height="536"');
      const second = await runAsync([
        'serve',
        '--json',
        '--dir',
        dir,
        '--presence',
        'approve',
        '--ctaphid',
        'tcp:127.0.0.1:0',
        '--http',
        '127.0.0.1:0',
      ]);
      expect(second.status).toBe(1);
      expect(json(second).error.code).toBe('DeviceBusy');
      // The first one still serves.
      const status = await fetch(`${info.url.replace('localhost', '127.0.0.1')}/api/status`, {
        headers: { authorization: `Bearer ${info.token}` },
      });
      expect(((await status.json()) as { mounted: boolean }).mounted).toBe(true);
    } finally {
      s.child.kill('SIGTERM');
    }
    expect(await s.exit).toBe(0);
    expect(existsSync(join(dir, 'control.json'))).toBe(false);
  }, 90_000);

  it('killed right after API writes: every acknowledged entry is there when the device boots again', async () => {
    const dir = ws.fresh();
    const s = await serve(dir);
    const info = readControlFile(dir)!;
    const url = info.url.replace('localhost', '127.0.0.1');
    const post = (path: string, body: unknown) =>
      fetch(url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const acked: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await post('/api/totp', { name: `kept-${i}`, secret: 'JBSWY3DPEHPK3PXP' });
      expect(r.status).toBe(200);
      acked.push(`kept-${i}`);
    }
    // One more write in flight when the process dies: it may or may not land, whole.
    void post('/api/totp', { name: 'in-flight', secret: 'JBSWY3DPEHPK3PXP' }).catch(() => {});
    s.child.kill('SIGKILL');
    await s.exit;
    const list = await runAsync(['totp', 'list', '--dir', dir, '--json', '--wait', '30']);
    expect(list.status, list.stderr).toBe(0);
    const names = json(list).map((e: { name: string }) => e.name);
    expect(names).toEqual(expect.arrayContaining(acked));
  }, 90_000);
});
