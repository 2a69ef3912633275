// pvault commands on a folder that `pvault serve` holds run through the served device (POST /api/run), as users
// type them: real serve child, real pvault children; the output bytes and exit statuses are the command's own.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, run, workspace } from './pvault-run.ts';
import { serveProcess, type ServedProcess } from './served-process.ts';

const ws = workspace();
let dir: string;
let served: ServedProcess;
beforeAll(async () => {
  dir = ws.fresh();
  served = await serveProcess(dir);
}, 90_000);
afterAll(async () => {
  await served?.stop();
  ws.cleanup();
});

describe('commands on a served folder', () => {
  it('pddb write --stdin and query: the exact bytes, through the device (no DeviceBusy)', () => {
    const value = randomBytes(3000);
    const w = run(['pddb', 'write', '--dir', dir, '--stdin', '--json', 'blobs:one'], {}, value as unknown as string);
    expect(w.status, w.stderr).toBe(0);
    expect(json(w)).toMatchObject({ ok: true, basis: '.System', len: 3000 });
    const out = join(mkdtempSync(join(ws.root, 'out-')), 'value.bin');
    const q = run(['pddb', 'query', '--dir', dir, 'blobs:one', '--out', out]);
    expect(q.status, q.stderr).toBe(0);
    expect(readFileSync(out).equals(value)).toBe(true);
    const missing = run(['pddb', 'query', '--dir', dir, '--json', 'blobs:absent']);
    expect(missing.status).toBe(1);
    expect(json(missing).error.code).toBe('NotFound');
  }, 60_000);

  it("--trace prints the run's own IPC messages (from process cli), and no value reaches a trace", async () => {
    const w = run(['pddb', 'write', '--dir', dir, 'traced:k', 'classified words']);
    expect(w.status, w.stderr).toBe(0);
    const q = run(['pddb', 'query', '--dir', dir, '--trace', 'traced:k']);
    expect(q.status, q.stderr).toBe(0);
    expect(q.stdout).toBe('classified words');
    expect(q.stderr).toContain('cli (pid');
    expect(q.stderr).not.toContain('classified');
    const trace = await served.api('/api/trace');
    expect(trace.status).toBe(200);
    expect(JSON.stringify(trace.json)).not.toContain('classified');
    expect(JSON.stringify(trace.json)).toContain('"from":"cli"');
  }, 60_000);

  it('totp add with --secret-stdin, then code: the RFC 6238 vector, computed by the served device', () => {
    // RFC 6238's SHA-1 secret "12345678901234567890" at T=59: 94287082, whose last 6 digits a 6-digit entry shows.
    const add = run(
      ['totp', 'add', '--dir', dir, '--secret-stdin', '--json', 'rfc6238'],
      {},
      'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n',
    );
    expect(add.status, add.stderr).toBe(0);
    expect(json(add)).toMatchObject({ ok: true, name: 'rfc6238', basis: '.System' });
    expect(add.stdout + add.stderr).not.toContain('GEZDGNBV');
    const code = run(['totp', 'code', '--dir', dir, '--at', '59', 'rfc6238']);
    expect(code.status, code.stderr).toBe(0);
    expect(code.stdout).toBe('287082\n');
  }, 60_000);
});
