// Running the real `pvault` as a user does: child processes on real device folders. Each test takes a fresh copy
// of one pristine device formatted once per file, so no test depends on another's writes.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PVAULT = new URL('../../bin/pvault.js', import.meta.url).pathname;
export const PIN = '2468';

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function envOf(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, PVAULT_PIN: PIN, ...env };
}

export function run(args: string[], env: Record<string, string | undefined> = {}, input?: string): Run {
  const r = spawnSync(process.execPath, [PVAULT, ...args], { env: envOf(env), input, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without blocking: for processes that run at the same time. */
export function runAsync(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PVAULT, ...args], { env: envOf(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A scratch folder and a pristine 4 MiB device to copy from; `cleanup` removes everything. */
export function workspace(): { root: string; fresh: () => string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'pvault-cli-'));
  const template = join(root, 'template');
  let made = false;
  let n = 0;
  return {
    root,
    fresh() {
      if (!made) {
        const r = run(['init', '--dir', template, '--size', '4MiB', '--json']);
        if (r.status !== 0) throw new Error(`init failed: ${r.stderr}`);
        made = true;
      }
      const dir = join(root, `dev${++n}`);
      cpSync(template, dir, { recursive: true });
      return dir;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** The one JSON document a --json run prints (fails the test when stdout holds anything else). */
export function json(r: Run): any {
  return JSON.parse(r.stdout);
}

/**
 * The same command in this process (bin/main.ts's `main`, the code the binary runs, minus process start-up): for
 * the many checks of arguments and verbs. Environment variables are set for the call only; stdin is not available.
 */
export async function cli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<Run & { bytes: Buffer }> {
  const { main } = await import('../../bin/main.ts');
  const { io } = await import('../../bin/output.ts');
  const vars = { PVAULT_PIN: PIN, PVAULT_PASSWORD: undefined, ...env };
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const out: Buffer[] = [];
  let stderr = '';
  const streams = { ...io };
  io.out = (s) => void out.push(Buffer.from(s));
  io.err = (s) => void (stderr += s);
  setEnv(vars);
  try {
    const status = await main(args);
    const bytes = Buffer.concat(out);
    return { status, stdout: bytes.toString('utf8'), stderr, bytes };
  } finally {
    Object.assign(io, streams);
    setEnv(saved);
  }
}

function setEnv(vars: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}
