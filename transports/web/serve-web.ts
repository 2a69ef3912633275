// The web side as `pvault serve` runs it: the server on --http HOST:PORT (default 127.0.0.1:8110; when the default
// port is taken, a free one, so a second device still gets a page), and control.json for the other commands.
import { attachWeb, DEFAULT_WEB_HOST, DEFAULT_WEB_PORT, type WebOptions, type WebServer } from './web-server.ts';
import type { ServedDevice } from './device-control.ts';
import { writeControlFile } from './control-file.ts';

export class HttpAddressError extends Error {}

/** `HOST:PORT`, `[IPV6]:PORT` or `PORT`; undefined for `off`. */
export function parseHttpAddress(spec: string): { host: string; port: number } | undefined {
  if (spec === 'off') return undefined;
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(spec);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new HttpAddressError(`expected HOST:PORT, PORT or off (got '${spec.slice(0, 40)}')`);
  return { host: m[1]?.replace(/^\[|\]$/g, '') ?? DEFAULT_WEB_HOST, port };
}

export async function serveWeb(
  device: ServedDevice,
  dir: string,
  spec: string | undefined,
  run?: WebOptions['run'],
): Promise<(WebServer & { stop(): Promise<void> }) | undefined> {
  const parsed = spec === undefined ? { host: DEFAULT_WEB_HOST, port: DEFAULT_WEB_PORT } : parseHttpAddress(spec);
  const at = parsed && { ...parsed, run };
  if (!at) return undefined;
  let web: WebServer;
  try {
    web = await attachWeb(device, at);
  } catch (e) {
    if (spec !== undefined || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    web = await attachWeb(device, { ...at, port: 0 });
  }
  const remove = writeControlFile(dir, { url: web.origin, token: web.token, pid: process.pid });
  return Object.assign(web, {
    async stop() {
      remove();
      await web.close();
    },
  });
}
