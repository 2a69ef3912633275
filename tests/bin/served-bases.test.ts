// What a command run through a served device does to the device's bases: a basis the run unlocks is locked again
// after it, bases unlocked on the device stay open, a wrong password changes nothing. Commands that need the folder
// to themselves still stop with DeviceBusy, and hostile /api/run requests are refused before anything runs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, run, workspace } from './pvault-run.ts';
import { serveProcess, type ServedProcess } from './served-process.ts';

const ws = workspace();
let dir: string;
let served: ServedProcess;
const bases = async () => (await served.api('/api/bases')).json.bases as string[];

beforeAll(async () => {
  dir = ws.fresh();
  served = await serveProcess(dir);
  for (const [name, password] of [
    ['alpha', 'alpha pw'],
    ['beta', 'beta pw'],
  ]) {
    expect((await served.api('/api/bases/create', { name, password })).status).toBe(200);
  }
  // Unlocked on the device (the page's menu does the same): runs must leave it open.
  expect((await served.api('/api/bases/unlock', { name: 'alpha', password: 'alpha pw' })).status).toBe(200);
}, 90_000);
afterAll(async () => {
  await served?.stop();
  ws.cleanup();
});

describe('bases of a served device, across runs', () => {
  it('a basis a run unlocks is locked after it; the one unlocked on the device stays open', async () => {
    const w = run(['pddb', 'write', '--dir', dir, '--basis', 'beta', '--json', 'beta-notes:k', 'in beta'], {
      PVAULT_PASSWORD: 'beta pw',
    });
    expect(w.status, w.stderr).toBe(0);
    expect(json(w).basis).toBe('beta');
    expect(await bases()).toEqual(['.System', 'alpha']);
    // Naming the open basis checks its password and uses it; it stays open afterwards.
    const a = run(['pddb', 'write', '--dir', dir, '--basis', 'alpha', '--json', 'alpha-notes:k', 'in alpha'], {
      PVAULT_PASSWORD: 'alpha pw',
    });
    expect(a.status, a.stderr).toBe(0);
    expect(json(a).basis).toBe('alpha');
    expect(await bases()).toEqual(['.System', 'alpha']);
    // What the run wrote in beta is there for the next run that opens it, and invisible to one that does not.
    const q = run(['pddb', 'query', '--dir', dir, '--basis', 'beta', 'beta-notes:k'], { PVAULT_PASSWORD: 'beta pw' });
    expect(q.status, q.stderr).toBe(0);
    expect(q.stdout).toBe('in beta');
    const hidden = run(['pddb', 'dictlist', '--dir', dir, '--json']);
    expect(json(hidden)).not.toContain('beta-notes');
    expect(await bases()).toEqual(['.System', 'alpha']);
  }, 90_000);

  it('a wrong password: AccessDenied, exit 1, nothing echoed, the device bases as they were', async () => {
    const before = await bases();
    for (const name of ['alpha', 'beta']) {
      const r = run(['pw', 'list', '--dir', dir, '--basis', name, '--json'], { PVAULT_PASSWORD: 'not the password' });
      expect(r.status).toBe(1);
      expect(json(r).error.code).toBe('AccessDenied');
      expect(r.stdout + r.stderr).not.toContain('not the password');
      expect(r.stdout + r.stderr).not.toContain(name);
    }
    expect(await bases()).toEqual(before);
  }, 60_000);

  it('commands that need the folder to themselves stop with DeviceBusy and write nothing', () => {
    const out = join(ws.root, 'dump');
    const dump = run(['export', 'hosted-dump', '--dir', dir, '--out', out, '--json']);
    expect(dump.status).toBe(1);
    expect(json(dump).error.code).toBe('DeviceBusy');
    expect(json(dump).error.message).not.toContain(served.info.token);
    expect(existsSync(`${out}.bin`) || existsSync(`${out}.key`)).toBe(false);
    const reset = run(['fido', 'reset', '--dir', dir, '--json']);
    expect(reset.status).toBe(1);
    expect(json(reset).error.code).toBe('DeviceBusy');
    const init = run(['init', '--dir', dir, '--force', '--size', '4MiB', '--json']);
    expect(init.status).toBe(1);
    expect(json(init).error.code).toBe('DeviceBusy');
  }, 60_000);
});

describe('POST /api/run refuses what it must, before running anything', () => {
  const req = (argv: string[], extra: Record<string, unknown> = {}) => ({ argv, env: {}, cwd: dir, ...extra });
  const write = ['pddb', 'write', '--dir', '.', 'hostile:k', 'v'];

  it('no token, a foreign Origin, wrong types, extra fields, a relative cwd, a command that is not forwarded', async () => {
    const body = JSON.stringify(req(write));
    const noToken = await fetch(`${served.info.url.replace('localhost', '127.0.0.1')}/api/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(noToken.status).toBe(401);
    expect((await served.api('/api/run', req(write), { origin: 'http://evil.example' })).status).toBe(403);
    for (const bad of [
      { argv: 'pddb dictlist', env: {}, cwd: dir },
      { argv: [], env: {}, cwd: dir },
      req(write, { env: { PVAULT_PASSWORD: 42 } }),
      req(write, { stdin: 'not base64!' }),
      req(write, { shell: true }),
      { argv: write, env: {} },
    ]) {
      const r = await served.api('/api/run', bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.json).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
    }
    expect((await served.api('/api/run', req(write, { cwd: 'relative/dir' }))).json.error.code).toBe('BadRequest');
    expect((await served.api('/api/run', req(write, { cwd: join(dir, 'absent') }))).status).toBe(400);
    for (const argv of [['init', '--dir', join(ws.root, 'other')], ['serve', '--dir', dir], ['demo'], ['--version']]) {
      const r = await served.api('/api/run', req(argv));
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('NotForwarded');
    }
    expect(existsSync(join(ws.root, 'other'))).toBe(false);
    // None of them ran: the key is not there. A well-formed run answers with the command's status and output.
    const q = await served.api('/api/run', req(['pddb', 'query', '--dir', dir, '--json', 'hostile:k']));
    expect(q.status).toBe(200);
    expect(q.json.status).toBe(1);
    expect(JSON.parse(Buffer.from(q.json.stdout, 'base64').toString()).error.code).toBe('NotFound');
  }, 60_000);
});
