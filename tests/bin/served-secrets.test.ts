// Secrets for commands run through a served device come from the caller: the variable a --password NAME=ENVVAR
// names (never serve's own), PVAULT_* variables, and stdin lines. Real serve child, real pvault children.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, run, workspace } from './pvault-run.ts';
import { serveProcess, type ServedProcess } from './served-process.ts';

const ws = workspace();
let dir: string;
let served: ServedProcess;
beforeAll(async () => {
  dir = ws.fresh();
  served = await serveProcess(dir);
  const made = run(['pddb', 'basiscreate', '--dir', dir, 'hidden'], { PVAULT_PASSWORD: 'open sesame' });
  expect(made.status, made.stderr).toBe(0);
}, 90_000);
afterAll(async () => {
  await served?.stop();
  ws.cleanup();
});

describe('secrets of commands on a served folder', () => {
  it('pw add and get --reveal in a basis whose password is in a variable --password names (not PVAULT_*)', () => {
    const env = { MY_BASIS_PW: 'open sesame', PVAULT_ENTRY_PASSWORD: 'correct horse' };
    const add = run(
      [
        'pw',
        'add',
        '--dir',
        dir,
        '--basis',
        'hidden',
        '--password',
        'hidden=MY_BASIS_PW',
        '--username',
        'me',
        '--json',
        'bank',
      ],
      env,
    );
    expect(add.status, add.stderr).toBe(0);
    expect(add.stdout + add.stderr).not.toContain('correct horse');
    const get = run(
      [
        'pw',
        'get',
        '--dir',
        dir,
        '--basis',
        'hidden',
        '--password',
        'hidden=MY_BASIS_PW',
        '--reveal',
        '--json',
        'bank',
      ],
      env,
    );
    expect(get.status, get.stderr).toBe(0);
    expect(json(get)).toMatchObject({
      description: 'bank',
      username: 'me',
      basis: 'hidden',
      password: 'correct horse',
    });
    // The variable --password names is the caller's: without it, serve's environment is not consulted.
    const unset = run([
      'pw',
      'get',
      '--dir',
      dir,
      '--basis',
      'hidden',
      '--password',
      'hidden=MY_BASIS_PW',
      '--json',
      'bank',
    ]);
    expect(unset.status).toBe(2);
    expect(json(unset).error.message).toContain('MY_BASIS_PW is not set');
  }, 60_000);

  it("secrets on stdin: --password-stdin then --entry-stdin lines are the caller's", () => {
    const add = run(
      ['pw', 'add', '--dir', dir, '--basis', 'hidden', '--password-stdin', '--json', 'stdin-entry'],
      { PVAULT_ENTRY_PASSWORD: 'from env' },
      'open sesame\n',
    );
    expect(add.status, add.stderr).toBe(0);
    const entry = run(['pw', 'add', '--dir', dir, '--entry-stdin', '--json', 'stdin-entry-2'], {}, 'typed on stdin\n');
    expect(entry.status, entry.stderr).toBe(0);
    const get = run(['pw', 'get', '--dir', dir, '--reveal', 'stdin-entry-2']);
    expect(get.status, get.stderr).toBe(0);
    expect(get.stdout).toContain('password: typed on stdin');
  }, 60_000);
});
