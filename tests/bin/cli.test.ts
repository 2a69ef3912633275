// The pvault CLI as a user runs it: real child processes on a real device folder.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHostedKeys } from '../../pddb/hosted-dump.ts';
import { KEYROM_BYTES } from '../../pddb/keys/keyrom.ts';

const bin = new URL('../../bin/pvault.js', import.meta.url).pathname;
let dir: string;
let dev: string;

function run(args: string[], env: Record<string, string> = {}, input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH, PVAULT_PIN: '2468', ...env },
    input,
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pvault-cli-'));
  dev = join(dir, 'dev');
  const r = run(['init', '--dir', dev, '--size', '4MiB', '--json']);
  expect(r.status, r.stderr).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pvault CLI', () => {
  it('init writes pddb.bin and a 1024-byte keybox, and refuses to overwrite', () => {
    expect(statSync(join(dev, 'pddb.bin')).size).toBe(4 * 1024 * 1024);
    expect(statSync(join(dev, 'keybox.bin')).size).toBe(KEYROM_BYTES);
    const again = run(['init', '--dir', dev, '--size', '4MiB']);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already holds a device/);
  });

  it('chains commands across runs: write, list, query, writeover, delete', () => {
    expect(run(['pddb', 'write', '--dir', dev, 'notes:todo', 'buy milk']).status).toBe(0);
    expect(run(['pddb', 'write', '--dir', dev, 'notes', 'todo', 'again']).status).toBe(2);
    expect(run(['pddb', 'query', '--dir', dev, 'notes', 'todo']).stdout).toBe('buy milk');
    expect(run(['pddb', 'writeover', '--dir', dev, 'notes:todo', 'eggs']).status).toBe(0);
    expect(run(['pddb', 'query', '--dir', dev, 'notes:todo', '--hex']).stdout.trim()).toBe(Buffer.from('eggs').toString('hex'));
    expect(JSON.parse(run(['pddb', 'keylist', '--dir', dev, 'notes', '--json']).stdout)).toEqual(['todo']);
    writeFileSync(join(dir, 'blob'), new Uint8Array(20_000).fill(7));
    expect(run(['pddb', 'write', '--dir', dev, 'notes', 'blob', '--file', join(dir, 'blob')]).status).toBe(0);
    const q = JSON.parse(run(['pddb', 'query', '--dir', dev, 'notes', 'blob', '--json']).stdout);
    expect(Buffer.from(q.base64, 'base64')).toEqual(Buffer.alloc(20_000, 7));
    expect(run(['pddb', 'keydelete', '--dir', dev, 'notes', 'blob']).status).toBe(0);
    expect(JSON.parse(run(['pddb', 'keylist', '--dir', dev, 'notes', '--json']).stdout)).toEqual(['todo']);
  });

  it('secret bases: passwords from the environment, a mapping, or stdin; invisible when locked', () => {
    expect(run(['pddb', 'basiscreate', '--dir', dev, 'hidden'], { PVAULT_PASSWORD: 'pw-one' }).status).toBe(0);
    expect(run(['pddb', 'writeover', '--dir', dev, '--basis', 'hidden', 'vault:site', 'secret'], { MYPW: 'pw-one' }).status).toBe(2);
    const w = run(['pddb', 'writeover', '--dir', dev, '--basis', 'hidden', '--password', 'hidden=MYPW', 'vault:site', 'secret'], { MYPW: 'pw-one' });
    expect(w.status, w.stderr).toBe(0);
    expect(JSON.parse(run(['pddb', 'dictlist', '--dir', dev, '--json']).stdout)).toEqual(['notes']);
    const both = run(['pddb', 'dictlist', '--dir', dev, '--basis', 'hidden', '--password-stdin', '--json'], {}, 'pw-one\n');
    expect(JSON.parse(both.stdout)).toEqual(['notes', 'vault']);
    const wrong = run(['pddb', 'dictlist', '--dir', dev, '--basis', 'hidden', '--json'], { PVAULT_PASSWORD: 'nope' });
    expect(wrong.status).toBe(1);
    expect(JSON.parse(wrong.stdout).error.code).toBe('NotFound');
    expect(wrong.stdout + wrong.stderr).not.toContain('nope');
  });

  it('basisdelete removes a basis for good', () => {
    expect(run(['pddb', 'basiscreate', '--dir', dev, 'temp'], { PVAULT_PASSWORD: 'tpw' }).status).toBe(0);
    expect(run(['pddb', 'basisunlock', '--dir', dev, 'temp'], { PVAULT_PASSWORD: 'tpw' }).status).toBe(0);
    expect(run(['pddb', 'basisdelete', '--dir', dev, 'temp'], { PVAULT_PASSWORD: 'tpw' }).status).toBe(0);
    const after = run(['pddb', 'basisunlock', '--dir', dev, 'temp', '--json'], { PVAULT_PASSWORD: 'tpw' });
    expect(JSON.parse(after.stdout).error.code).toBe('NotFound');
  });

  it('wrong boot PIN: AccessDenied, nothing else', () => {
    const r = run(['pddb', 'basislist', '--dir', dev, '--json'], { PVAULT_PIN: '1111' });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('AccessDenied');
  });

  it('exports a hosted dump the original tools can read', () => {
    const out = join(dir, 'dump');
    const r = run(['export', 'hosted-dump', '--dir', dev, '--out', out, '--basis', 'hidden'], { PVAULT_PASSWORD: 'pw-one' });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(`${out}.bin`)).toEqual(readFileSync(join(dev, 'pddb.bin')));
    const bases = decodeHostedKeys(new Uint8Array(readFileSync(`${out}.key`)));
    expect(bases.map((b) => b.name)).toEqual(['.System', 'hidden']);
  });

  it('usage errors exit 2 with a message; unknown commands and options are refused', () => {
    expect(run(['nonsense']).status).toBe(2);
    expect(run(['pddb', 'query', '--dir', dev, '--bogus']).status).toBe(2);
    expect(run(['pddb', 'frobnicate', '--dir', dev]).status).toBe(2);
    const noPin = spawnSync(process.execPath, [bin, 'pddb', 'basislist', '--dir', join(dir, 'none')], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(noPin.status).toBe(2);
    expect(noPin.stderr).toMatch(/pvault init/);
  });

  it('one process at a time: a live lock holder refuses a second user; a stale lock is taken over', () => {
    writeFileSync(join(dev, 'pvault.lock'), String(process.pid));
    const busy = run(['pddb', 'basislist', '--dir', dev, '--json']);
    expect(busy.status).toBe(1);
    expect(JSON.parse(busy.stdout).error.code).toBe('DeviceBusy');
    writeFileSync(join(dev, 'pvault.lock'), '999999999');
    expect(run(['pddb', 'basislist', '--dir', dev]).stdout.trim()).toBe('.System');
    expect(existsSync(join(dev, 'pvault.lock'))).toBe(false);
  });

  it('--help on every command, --version', () => {
    for (const c of ['init', 'start', 'pddb', 'export']) expect(run([c, '--help']).stdout).toMatch(/usage: pvault/);
    expect(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }).trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
