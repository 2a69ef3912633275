// How a command reaches a device that `pvault serve` runs: the control API that serve advertises in the folder's
// control.json (URL + token). A command that would boot the folder (withDevice) finds it with `servedControl` and
// sends itself whole to POST /api/run (argv, the secret environment variables, its folder, stdin); serve runs it in
// process on the booted device (`commandRunner`, `onServedDevice`) and sends back its exit status and output bytes.
import { realpathSync } from 'node:fs';
import { DeviceBusy } from '../vault/device/device-lock.ts';
import type { Device } from '../vault/device/device.ts';
import { readControlFile, type ControlInfo } from '../transports/web/control-file.ts';
import { WebError } from '../transports/web/error-reply.ts';
import type { CommandRunner, RunRequest, RunResult } from '../transports/web/run-route.ts';
import { Pddb } from '../pddb/index.ts';
import { Trace, type ClientProcess } from '../transports/ipc/index.ts';
import { POLL_PROCESS } from '../transports/web/device-control.ts';
import { flag, values, UsageError, type Parsed } from './args.ts';
import { basisPasswords } from './secrets.ts';
import { io, outputMode } from './output.ts';

/** A refusal from the served device: the API's code and message, and the HTTP status. */
export class RemoteError extends Error {
  override name = 'RemoteError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The command ran on the served device, which printed its output: main() exits with its status. */
export class RemoteExit extends Error {
  override name = 'RemoteExit';
  constructor(readonly status: number) {
    super(`ran on the served device (exit ${status})`);
  }
}

/** The commands a served device runs for others (those that use withDevice); the rest need the folder itself. */
const FORWARDED = new Set(['pddb', 'totp', 'pw', 'autotype', 'import', 'export', 'fido']);
/** Flags that make a command read stdin (and `import -`). */
const STDIN_FLAGS = ['stdin', 'password-stdin', 'secret-stdin', 'entry-stdin', 'pin-stdin'];
/** A run may wait behind others in serve's queue, and an import or churn of a large device takes a while. */
const RUN_TIMEOUT_MS = 30 * 60_000;
/** The process the runs use on the served kernel (its own PDDB connection, closed after each run). */
const RUN_PROCESS = 'cli';

let commandArgv: string[] = [];

/** Besides a hosted dump (which copies the powered-off image): fido reset sets the presence policy, and the original
 * takes it only right after power-up. */
const needsFolder = (p: Parsed, afterPowerOff: boolean) =>
  afterPowerOff || (commandArgv[0] === 'fido' && p.positionals[0] === 'reset');

/** main() notes the command's argv before dispatch: it is what a served device is asked to run. */
export function noteCommandArgv(argv: string[]): void {
  commandArgv = [...argv];
}

export class ControlClient {
  constructor(readonly info: ControlInfo) {}

  async request<T = Record<string, unknown>>(path: string, body?: unknown, timeoutMs = 60_000): Promise<T> {
    const r = await fetch(this.info.url + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${this.info.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const json = (await r.json().catch(() => undefined)) as
      | { ok?: boolean; error?: { code: string; message: string } }
      | undefined;
    if (!r.ok || !json || json.ok === false)
      throw new RemoteError(r.status, json?.error?.code ?? 'BadReply', json?.error?.message ?? `HTTP ${r.status}`);
    return json as T;
  }
}

/** The control API of the `pvault serve` running on `dir`, if one runs there and answers. */
export async function servedControl(dir: string): Promise<ControlClient | undefined> {
  const info = readControlFile(dir);
  if (!info || !alive(info.pid)) return undefined;
  const client = new ControlClient(info);
  try {
    await client.request('/api/status');
    return client;
  } catch {
    return undefined;
  }
}

/**
 * The client half, in withDevice: on a served folder, run the command there, print what it printed and throw
 * RemoteExit with its status; return when the folder is not served. A command that needs the folder to itself
 * stops with DeviceBusy naming the page.
 */
export async function forwardIfServed(dir: string, p: Parsed, ownsFolder: boolean): Promise<void> {
  const served = await servedControl(dir);
  if (!served) return;
  const busy = (why: string) =>
    new DeviceBusy(
      `${dir} is served by pvault serve (pid ${served.info.pid}) ${why}: use its device page or control API at ${served.info.url} (token in ${dir}/control.json), or stop it first`,
    );
  if (needsFolder(p, ownsFolder) || !FORWARDED.has(commandArgv[0] ?? ''))
    throw busy('and this command needs the folder to itself');
  const reads = STDIN_FLAGS.some((f) => flag(p, f)) || (commandArgv[0] === 'import' && p.positionals[0] === '-');
  const req: RunRequest = {
    argv: commandArgv,
    env: secretEnv(p),
    cwd: process.cwd(),
    ...(reads ? { stdin: io.stdin().toString('base64') } : {}),
  };
  let reply: { status: number; stdout: string; stderr: string };
  try {
    reply = await served.request('/api/run', req, RUN_TIMEOUT_MS);
  } catch (e) {
    // A serve from before /api/run: as before, say where the device is.
    if (e instanceof RemoteError && e.status === 404) throw busy('and takes no commands');
    if (e instanceof RemoteError) throw e;
    throw new RemoteError(
      0,
      'DeviceGone',
      `the served device did not answer (${(e as Error).name}): the command may or may not have run`,
    );
  }
  io.out(Buffer.from(reply.stdout, 'base64'));
  io.err(Buffer.from(reply.stderr, 'base64').toString('utf8'));
  throw new RemoteExit(reply.status);
}

/**
 * The variables that carry secrets: PVAULT_* (but the boot PIN: the device is booted already) and each --password
 * NAME=ENVVAR's variable (null when unset here, so that serve's own value is not used).
 */
function secretEnv(p: Parsed): Record<string, string | null> {
  const env: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(process.env))
    if (k.startsWith('PVAULT_') && k !== 'PVAULT_PIN' && v !== undefined) env[k] = v;
  for (const spec of values(p, 'password')) {
    const name = spec.slice(spec.indexOf('=') + 1);
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) env[name] = process.env[name] ?? null;
  }
  return env;
}

/**
 * The server half, for serve: one run at a time, main(argv) in this process with the request's env, folder and
 * stdin, its output captured; whatever a run changes of this process (env, cwd, output mode) is restored after it.
 */
export function commandRunner(): CommandRunner {
  let queue: Promise<unknown> = Promise.resolve();
  return (req) => {
    const run = queue.then(() => runOnce(req));
    queue = run.catch(() => undefined);
    return run;
  };
}

async function runOnce(req: RunRequest): Promise<RunResult> {
  if (!FORWARDED.has(req.argv[0]))
    throw new WebError(400, 'NotForwarded', `a served device runs only ${[...FORWARDED].join(', ')}`);
  const { main } = await import('./main.ts');
  const saved = { io: { ...io }, json: outputMode.json, cwd: process.cwd(), argv: commandArgv };
  try {
    process.chdir(req.cwd);
  } catch {
    throw new WebError(400, 'BadRequest', 'cwd is not a folder the served device can enter');
  }
  const restoreEnv = overlayEnv(req.env);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdin = Buffer.from(req.stdin ?? '', 'base64');
  Object.assign(io, {
    out: (s: string | Uint8Array) => void out.push(Buffer.from(s)),
    err: (s: string) => void err.push(Buffer.from(s)),
    stdin: () => stdin,
    interactive: () => false,
  });
  try {
    const status = await main(req.argv);
    return { status, stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
  } finally {
    Object.assign(io, saved.io);
    outputMode.json = saved.json;
    commandArgv = saved.argv;
    restoreEnv();
    process.chdir(saved.cwd);
  }
}

/** For the run: serve's own PVAULT_* variables hidden, the request's set (null: unset). Returns the undo. */
function overlayEnv(env: Record<string, string | null>): () => void {
  const names = new Set([...Object.keys(process.env).filter((k) => k.startsWith('PVAULT_')), ...Object.keys(env)]);
  const saved = new Map([...names].map((k) => [k, process.env[k]]));
  const set = (k: string, v: string | null | undefined) => {
    if (v === null || v === undefined) delete process.env[k];
    else process.env[k] = v;
  };
  for (const k of names) set(k, Object.hasOwn(env, k) ? env[k] : null);
  return () => {
    for (const [k, v] of saved) set(k, v);
  };
}

const runProcesses = new WeakMap<Device, ClientProcess>();

/**
 * withDevice inside a run: the served device, no lock, no boot. Unlock the --basis bases (an open one is checked
 * and moved to the top, as the page's unlock does), run, then lock every basis the run opened that was not open
 * before, and sync. Bases unlocked on the device stay as they were.
 */
export async function onServedDevice<T>(
  device: Device,
  dir: string,
  p: Parsed,
  body: (device: Device) => Promise<T>,
  ownsFolder: boolean,
): Promise<T> {
  if (needsFolder(p, ownsFolder))
    throw new DeviceBusy('this command needs the device folder to itself: stop pvault serve first');
  if (!sameFolder(dir, device.folder.dir)) throw new UsageError(`this device serves ${device.folder.dir}, not ${dir}`);
  const bases = values(p, 'basis');
  const passwords = await basisPasswords(p, [...new Set(bases)]);
  let proc = runProcesses.get(device);
  if (!proc) runProcesses.set(device, (proc = device.kernel.process(RUN_PROCESS)));
  const pddb = await Pddb.connect(proc);
  // The device as the command sees it: the run's own process and PDDB connection (its handles go with it).
  const view: Device = Object.assign(Object.create(device) as Device, { shell: proc, pddb });
  const since = device.kernel.trace.entries().at(-1)?.seq ?? -1;
  let before: Set<string> | undefined;
  try {
    before = new Set(await pddb.listBasis());
    for (const name of bases) await pddb.unlockBasis(name, passwords.get(name)!);
    const result = await body(view);
    if (flag(p, 'trace')) io.err(runTrace(device, since) + '\n');
    return result;
  } finally {
    try {
      for (const b of before ? await pddb.listBasis() : []) if (!before!.has(b)) await pddb.lockBasis(b);
      await pddb.sync();
    } finally {
      await pddb.close();
    }
  }
}

/** The run's part of the device trace (without the page's screen poller). */
function runTrace(device: Device, since: number): string {
  const t = new Trace(true);
  for (const e of device.kernel.trace.entries()) if (e.seq > since && e.from !== POLL_PROCESS) t.record(e);
  return t.toSequenceDiagram();
}

function sameFolder(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
