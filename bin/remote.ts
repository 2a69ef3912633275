// How a command reaches a device that `pvault serve` runs: the control API that serve advertises in the folder's
// control.json (URL + token). `servedControl` finds a live one; `ControlClient` calls it (the same routes as curl).
// The commands that boot the device themselves (withDevice) do not yet run through it: on a served folder they stop
// with DeviceBusy naming the page and the API, instead of waiting on the lock.
import { DeviceBusy } from '../vault/device/device-lock.ts';
import { readControlFile, type ControlInfo } from '../transports/web/control-file.ts';

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

export class ControlClient {
  constructor(readonly info: ControlInfo) {}

  async request<T = Record<string, unknown>>(path: string, body?: unknown): Promise<T> {
    const r = await fetch(this.info.url + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${this.info.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const json = (await r.json().catch(() => undefined)) as { ok?: boolean; error?: { code: string; message: string } } | undefined;
    if (!r.ok || !json || json.ok === false) throw new RemoteError(r.status, json?.error?.code ?? 'BadReply', json?.error?.message ?? `HTTP ${r.status}`);
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

/** What withDevice does on a served folder: say where the device is reachable, without waiting on its lock. */
export async function refuseIfServed(dir: string): Promise<void> {
  const served = await servedControl(dir);
  if (!served) return;
  throw new DeviceBusy(
    `${dir} is served by pvault serve (pid ${served.info.pid}): use its device page or control API at ${served.info.url} ` +
      `(token in ${dir}/control.json), or stop it first`,
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
