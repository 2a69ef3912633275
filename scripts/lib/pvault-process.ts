// Real `pvault` processes for the sweeps: run one to completion, or start one and SIGKILL it at a chosen moment.
// Secrets go through the environment, as a user passes them (PVAULT_PIN, PVAULT_PASSWORD), never through argv.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const DEFAULT_PVAULT = fileURLToPath(new URL('../../bin/pvault.js', import.meta.url));

export interface PvaultResult {
  /** Exit status, or null when a signal ended the process. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The `--json` error code of a failed run (`{"ok":false,"error":{"code"}}`), when there is one. */
  errorCode: string | null;
  ms: number;
}

export interface RunOptions {
  /** PVAULT_PASSWORD for this run (the one basis that needs a password). */
  password?: string;
}

export interface Started {
  child: ChildProcess;
  done: Promise<PvaultResult>;
}

export class PvaultProcess {
  constructor(
    readonly bin: string,
    private readonly pin: string,
  ) {}

  start(args: string[], opts: RunOptions = {}): Started {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PVAULT_PIN: this.pin };
    if (opts.password !== undefined) env.PVAULT_PASSWORD = opts.password;
    const t0 = performance.now();
    const child = spawn(process.execPath, [this.bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    const done = new Promise<PvaultResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (status, signal) => {
        const stdout = Buffer.concat(out).toString('utf8');
        resolve({
          status,
          signal,
          stdout,
          stderr: Buffer.concat(err).toString('utf8'),
          errorCode: errorCodeOf(stdout),
          ms: performance.now() - t0,
        });
      });
    });
    return { child, done };
  }

  run(args: string[], opts: RunOptions = {}): Promise<PvaultResult> {
    return this.start(args, opts).done;
  }
}

/** The error code of a `--json` failure document (the whole output, or its last line if more was printed). */
function errorCodeOf(stdout: string): string | null {
  for (const text of [stdout, stdout.trim().split('\n').pop() ?? '']) {
    try {
      const doc = JSON.parse(text) as { ok?: boolean; error?: { code?: unknown } };
      if (doc?.ok === false && typeof doc.error?.code === 'string') return doc.error.code;
    } catch {
      // not one JSON document
    }
  }
  return null;
}

/** One line a user can read about how a run ended (no stdout: a value may be in it). */
export function describeRun(r: PvaultResult): string {
  const how = r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
  const err = r.errorCode ?? r.stderr.trim().split('\n').slice(-1)[0] ?? '';
  return `${how}${err ? ` (${err.slice(0, 200)})` : ''}`;
}
