// The pvault CLI as a user runs it: real child processes on real device folders, each test on its own copy, for
// what needs a process (exit status, stdout as a whole, stdin); cli-verbs.test.ts covers the verbs in process.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KEYROM_BYTES } from '../../pddb/keys/keyrom.ts';
import { cli, json, PVAULT, run, workspace } from './pvault-run.ts';

/** Child processes take seconds each on a busy machine: generous, never a timing assertion. */
const SLOW = 180_000;
const ws = workspace();
afterAll(() => ws.cleanup());
const mode = (path: string) => statSync(path).mode & 0o777;

describe('pvault CLI, real processes', () => {
  it(
    'init writes a 0600 image and 1024-byte keybox in a 0700 folder, and refuses to format over them',
    () => {
      const dev = join(ws.root, 'fresh-init');
      const r = run(['init', '--dir', dev, '--size', '4MiB', '--json']);
      expect(r.status, r.stderr).toBe(0);
      expect(json(r)).toMatchObject({ ok: true, size: 4 * 1024 * 1024, pinGenerated: false });
      expect(statSync(join(dev, 'pddb.bin')).size).toBe(4 * 1024 * 1024);
      expect(statSync(join(dev, 'keybox.bin')).size).toBe(KEYROM_BYTES);
      expect([mode(dev), mode(join(dev, 'pddb.bin')), mode(join(dev, 'keybox.bin'))]).toEqual([0o700, 0o600, 0o600]);
      const before = readFileSync(join(dev, 'pddb.bin'));
      const again = run(['init', '--dir', dev, '--size', '4MiB']);
      expect(again.status).toBe(2);
      expect(again.stderr).toMatch(/already holds a device \(--force replaces it\)/);
      expect(readFileSync(join(dev, 'pddb.bin')).equals(before)).toBe(true);
    },
    SLOW,
  );

  it(
    'a write that fails at the final sync prints one JSON document: the failure',
    () => {
      const dev = ws.fresh();
      expect(run(['pddb', 'write', '--dir', dev, 'notes:big', 'old']).status).toBe(0);
      const big = join(ws.root, 'too-big');
      writeFileSync(big, new Uint8Array(3_900_000).fill(1)); // more than a 4 MiB device holds
      const r = run(['pddb', 'write', '--dir', dev, '--json', '--file', big, 'notes:big']);
      expect(r.status).toBe(1);
      expect(json(r).ok).toBe(false); // one document: JSON.parse fails on two
      expect(readFileSync(join(dev, 'pddb.bin')).length).toBe(4 * 1024 * 1024);
    },
    SLOW,
  );

  it(
    'basis passwords from stdin, one line per basis; an empty line is refused',
    async () => {
      const dev = ws.fresh();
      expect((await cli(['pddb', 'basiscreate', '--dir', dev, 'hidden'], { PVAULT_PASSWORD: 'pw-one' })).status).toBe(
        0,
      );
      const listed = run(
        ['pddb', 'dictlist', '--dir', dev, '--basis', 'hidden', '--password-stdin', '--json'],
        {},
        'pw-one\n',
      );
      expect(json(listed)).toEqual([]);
      const emptyLine = run(['pddb', 'basiscreate', '--dir', dev, 'b', '--password-stdin'], {}, '\n');
      expect(emptyLine.status).toBe(2);
      expect(emptyLine.stderr).toMatch(/cannot be empty/);
    },
    SLOW,
  );

  it(
    'wrong boot PIN: AccessDenied and nothing else; the folder counts the attempt, a right PIN clears it',
    async () => {
      const dev = ws.fresh();
      const r = run(['pddb', 'basislist', '--dir', dev, '--json'], { PVAULT_PIN: '1111' });
      expect(r.status).toBe(1);
      expect(json(r).error.code).toBe('AccessDenied');
      expect(r.stdout + r.stderr).not.toContain('1111');
      expect(readFileSync(join(dev, 'pin-attempts'), 'utf8')).toMatch(/^1 \d+\n$/);
      expect(mode(join(dev, 'pin-attempts'))).toBe(0o600);
      expect((await cli(['pddb', 'basislist', '--dir', dev])).stdout).toBe('.System\n');
      expect(existsSync(join(dev, 'pin-attempts'))).toBe(false);
    },
    SLOW,
  );

  it(
    '-h prints help and exits 0; --version',
    () => {
      const r = run(['pddb', '-h']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/writeover DICT:KEY/);
      expect(execFileSync(process.execPath, [PVAULT, '--version'], { encoding: 'utf8' }).trim()).toMatch(
        /^\d+\.\d+\.\d+$/,
      );
    },
    SLOW,
  );
});
