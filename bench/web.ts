// Web benchmark (`npm run bench -- web`): control-API latency against a bare round trip on the same framework
// (fastify, a route that answers {ok:true}, the same client, the same run), and the time from starting
// `pvault serve` to a device page that answers, on a fresh folder (formats 98 MiB) and on the existing device,
// against the floor of starting the CLI at all (`pvault --version`).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { Device } from '../vault/device/device.ts';
import { TEST_PDDB_LEN } from '../pddb/format/constants.ts';
import { attachWeb } from '../transports/web/web-server.ts';
import { report, timeUs } from './harness.ts';

const SUITE = 'web';
const PVAULT = new URL('../bin/pvault.js', import.meta.url).pathname;
const PIN = '2468';

export async function run(): Promise<void> {
  await latency();
  await startup();
}

async function latency(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pvault-bench-web-'));
  const device = await Device.boot({ dir, trace: true });
  await device.pddb.format(PIN, TEST_PDDB_LEN);
  await device.pddb.tryMount(PIN);
  const web = await attachWeb(device, { port: 0 });
  const bare = Fastify({ logger: false });
  bare.get('/ping', async () => ({ ok: true }));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/ping`;
  const auth = { authorization: `Bearer ${web.token}` };
  const call = async (path: string, body?: unknown) => {
    const r = await fetch(web.origin.replace('localhost', '127.0.0.1') + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
    await r.arrayBuffer();
  };
  try {
    for (let i = 0; i < 10; i++) await call('/api/totp', { name: `bench-${i}`, secret: 'JBSWY3DPEHPK3PXP' });
    const opts = { warmup: 20, runs: 15, batch: 20 };
    const floor = await timeUs(async () => (await fetch(bareUrl)).arrayBuffer(), opts);
    const baseline = { name: 'bare fastify round trip, same client', value: floor };
    report(SUITE, 'bare fastify GET round trip', floor, 'us');
    report(
      SUITE,
      'GET /api/screen (token + Host/Origin checks, 1 IPC call)',
      await timeUs(() => call('/api/screen'), opts),
      'us',
      baseline,
    );
    report(SUITE, 'GET /api/status (3 IPC calls)', await timeUs(() => call('/api/status'), opts), 'us', baseline);
    report(SUITE, 'GET /api/totp (10 entries)', await timeUs(() => call('/api/totp'), opts), 'us', baseline);
    report(
      SUITE,
      'POST /api/totp/code',
      await timeUs(() => call('/api/totp/code', { name: 'bench-3' }), opts),
      'us',
      baseline,
    );
  } finally {
    await bare.close();
    await web.close();
    await device.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Milliseconds from spawning `pvault ARGS` until `ready(line)` holds for a stdout line, then the process is stopped. */
function timeToLine(args: string[], ready: (line: string) => Promise<boolean> | boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [PVAULT, ...args], { env: { PATH: process.env.PATH, PVAULT_PIN: PIN } });
    let buf = '';
    let done = false;
    child.stdout.on('data', async (d) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) {
        if (done || !(await ready(line))) continue;
        done = true;
        const ms = performance.now() - t0;
        child.once('close', () => resolve(ms));
        child.kill('SIGTERM');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => !done && reject(new Error(`pvault ${args[0]} exited ${code} before it was ready`)));
  });
}

async function startup(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'pvault-bench-serve-'));
  const pageAnswers = async (line: string) => {
    const page = JSON.parse(line).page as string;
    return (await fetch(page.replace('localhost', '127.0.0.1'))).ok;
  };
  const serve = (dir: string) => [
    'serve',
    '--dir',
    dir,
    '--presence',
    'approve',
    '--ctaphid',
    'tcp:127.0.0.1:0',
    '--http',
    '127.0.0.1:0',
    '--json',
  ];
  try {
    const samples = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
    const floor: number[] = [];
    const fresh: number[] = [];
    const existing: number[] = [];
    for (let i = 0; i < 3; i++) {
      floor.push(await timeToLine(['--version'], () => true));
      const dir = join(root, `dev-${i}`);
      fresh.push(await timeToLine(serve(dir), pageAnswers));
      existing.push(await timeToLine(serve(dir), pageAnswers));
      rmSync(dir, { recursive: true, force: true });
    }
    const baseline = { name: 'pvault --version (CLI start floor)', value: samples(floor) };
    report(SUITE, 'pvault --version', samples(floor), 'ms');
    report(SUITE, 'serve to an answering page, fresh folder (formats 98 MiB)', samples(fresh), 'ms', baseline);
    report(SUITE, 'serve to an answering page, existing 98 MiB device', samples(existing), 'ms', baseline);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
