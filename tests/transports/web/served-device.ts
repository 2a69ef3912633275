// A device for the web tests: a real file-backed PDDB on a temporary folder, booted as `pvault serve` boots it
// (PDDB, vault apps, FIDO, ui), traced, with the web server attached on a free port. Not a test file itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Device } from '../../../vault/device/device.ts';
import { TEST_PDDB_LEN } from '../../../pddb/format/constants.ts';
import { attachWeb, type WebServer } from '../../../transports/web/web-server.ts';
import { SeededRandom } from '../../../lib/random.ts';

export const PIN = '2468';

export interface ServedTestDevice {
  device: Device;
  web: WebServer;
  /** fetch against the web server with the token and a JSON body. */
  api(
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string>; token?: string | null },
  ): Promise<{ status: number; json: any }>;
  /** The web server's own device clients (to play a host asking for presence). */
  control(): WebServer['control'];
  close(): Promise<void>;
}

export async function serveTestDevice(seed = 'web-test'): Promise<ServedTestDevice> {
  const dir = mkdtempSync(join(tmpdir(), 'pvault-web-'));
  const device = await Device.boot({ dir, trace: true, seed });
  await device.pddb.format(PIN, TEST_PDDB_LEN);
  await device.pddb.tryMount(PIN);
  const web = await attachWeb(device, { port: 0, random: new SeededRandom(seed) });
  return {
    device,
    web,
    async api(path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      const token = init.token === undefined ? web.token : init.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      const r = await fetch(web.origin + path, {
        method: init.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        body,
      });
      const text = await r.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: r.status, json };
    },
    control: () => web.control,
    async close() {
      await web.close();
      await device.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
