// A real `pvault serve` child process on a fresh device folder, for the tests of commands that run through it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PIN, PVAULT } from './pvault-run.ts';
import { readControlFile, type ControlInfo } from '../../transports/web/control-file.ts';

export interface ServedProcess {
  child: ChildProcess;
  /** control.json as serve wrote it, with the URL on 127.0.0.1 (what fetch from the tests uses). */
  info: ControlInfo;
  api(path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any }>;
  /** SIGTERM and the exit status (serve syncs and powers off first). */
  stop(): Promise<number | null>;
}

/** Start `pvault serve --json` on `dir` (free ports, presence approved) and wait for its first line. */
export async function startServe(
  dir: string,
): Promise<{ child: ChildProcess; line: string; exit: Promise<number | null> }> {
  const args = [
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
  ];
  const child = spawn(process.execPath, [PVAULT, ...args], { env: { PATH: process.env.PATH, PVAULT_PIN: PIN } });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('close', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  return { child, line, exit };
}

export async function serveProcess(dir: string): Promise<ServedProcess> {
  const { child, exit } = await startServe(dir);
  const info = readControlFile(dir)!;
  const url = info.url.replace('localhost', '127.0.0.1');
  return {
    child,
    info,
    async api(path, body, headers = {}) {
      const r = await fetch(url + path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          authorization: `Bearer ${info.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: r.status, json: await r.json().catch(() => undefined) };
    },
    async stop() {
      child.kill('SIGTERM');
      return exit;
    },
  };
}
