// `pvault demo` as a user runs it: one child process, the whole story, JSON to check each step's claim.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAsync } from './pvault-run.ts';

const scratch = mkdtempSync(join(tmpdir(), 'pvault-demo-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('pvault demo', () => {
  it('runs the flow: entries and credential in the basis, gone when it is locked, nothing in plain text, a trace summary', async () => {
    const keep = join(scratch, 'kept');
    const r = await runAsync(['demo', '--json', '--keep', keep]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const steps = Object.fromEntries(out.steps.map((s: { step: string; detail: string }) => [s.step, s.detail]));
    expect(steps['TOTP entry']).toMatch(/in demo-secret: code \d{6}/);
    expect(steps['FIDO register']).toContain('stored in demo-secret');
    expect(steps['FIDO sign in']).toContain('verified');
    expect(steps['lock the basis']).toContain('0 TOTP, 0 passwords, 0 credentials');
    expect(steps['lock the basis']).toContain('refused');
    expect(out.coerced.UsedUnmapped).toBe(0);
    expect(out.coerced.Unexplained).toBeGreaterThan(0);
    expect(out.trace.messages).toBeGreaterThan(50);
    expect(out.trace.servers.map((s: { server: string }) => s.server)).toEqual(
      expect.arrayContaining([
        'vault.totp',
        'vault.passwords',
        '_FIDO authenticator_',
        '_Vault UI_',
        '_Plausibly Deniable Database_',
      ]),
    );
    // The kept device and dump: the dump's key file holds .System only, the basis stayed deniable.
    const key = readFileSync(join(keep, 'demo-dump.key'));
    expect(key.readUInt32LE(0)).toBe(1);
    expect(existsSync(join(keep, 'demo-dump.bin'))).toBe(true);
  }, 60_000);

  it('the human output tells the story, step by step, and deletes the temporary device', async () => {
    const r = await runAsync(['demo']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('lock the basis');
    expect(r.stdout).toContain('temporary device deleted');
    expect(r.stdout).toMatch(/IPC trace: \d+ messages/);
  }, 60_000);

  it('refuses to format over a folder that holds anything', async () => {
    const full = join(scratch, 'full');
    rmSync(full, { recursive: true, force: true });
    mkdirSync(full);
    writeFileSync(join(full, 'precious'), 'x');
    const r = await runAsync(['demo', '--keep', full]);
    expect(r.status).toBe(2);
    expect(readFileSync(join(full, 'precious'), 'utf8')).toBe('x');
  }, 30_000);
});
