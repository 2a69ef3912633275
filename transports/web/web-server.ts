// The device's web side: the control API, its live events, the device page and the demo relying party, on one
// fastify server bound to 127.0.0.1 by default. `attachWeb` is what `pvault serve` and `pvault demo` call.
import Fastify, { type FastifyInstance } from 'fastify';
import { CryptoRandom, randomBytes, type Random } from '../../lib/random.ts';
import { DeviceControl, type ServedDevice } from './device-control.ts';
import { RequestGuard } from './request-guard.ts';
import { errorReply } from './error-reply.ts';
import { controlRoutes } from './control-routes.ts';
import { LiveEvents } from './live-events.ts';
import { pageRoutes } from './page-files.ts';
import { demoRpRoutes } from './demo-rp-routes.ts';
import { runRoute, type CommandRunner } from './run-route.ts';

export interface WebOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The per-device token; a fresh random one by default. */
  token?: string;
  random?: Random;
  /** Runs other pvault commands on this device (POST /api/run); without it, no such route. */
  run?: CommandRunner;
}

export interface WebServer {
  /** The page's address, token included (what `serve` prints). */
  pageUrl: string;
  /** http://host:port */
  origin: string;
  host: string;
  port: number;
  token: string;
  control: DeviceControl;
  close(): Promise<void>;
}

export const DEFAULT_WEB_HOST = '127.0.0.1';
export const DEFAULT_WEB_PORT = 8110;
/** Every body the API takes is a few fields: 16 KiB leaves room and refuses floods. */
export const BODY_LIMIT = 16 * 1024;

export async function attachWeb(device: ServedDevice, opts: WebOptions = {}): Promise<WebServer> {
  const host = opts.host ?? DEFAULT_WEB_HOST;
  const token = opts.token ?? Buffer.from(randomBytes(opts.random ?? new CryptoRandom(), 24)).toString('base64url');
  const control = await DeviceControl.connect(device);
  const events = new LiveEvents(control);
  const app: FastifyInstance = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    // Closed schemas, no type coercion: a wrong type is refused, not converted.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
  });
  let guard: RequestGuard | undefined;

  app.addHook('onRequest', async (req) => {
    guard!.checkSite(req.headers);
    if (req.url.startsWith('/api/') || req.url.startsWith('/rp/api/')) guard!.checkToken(req.headers, req.query);
  });
  app.setErrorHandler((e, _req, reply) => {
    const r = errorReply(e);
    return reply.code(r.status).send({ ok: false, error: { code: r.code, message: r.message } });
  });
  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).send({ ok: false, error: { code: 'NotFound', message: 'no such route' } }),
  );

  controlRoutes(app, control);
  if (opts.run) runRoute(app, opts.run);
  app.get('/api/events', async (_req, reply) => {
    reply.hijack();
    await events.add(reply.raw);
  });
  pageRoutes(app);
  let origin = '';
  demoRpRoutes(app, control, () => origin);

  try {
    await app.listen({ host, port: opts.port ?? DEFAULT_WEB_PORT });
  } catch (e) {
    await control.close();
    throw e;
  }
  const port = (app.server.address() as { port: number }).port;
  guard = new RequestGuard({ host, port, token });
  // Loopback is shown as localhost: the one http origin a browser treats as secure, so WebAuthn works there.
  const loopback = ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost'].includes(host);
  const shown = loopback ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  origin = `http://${shown}:${port}`;
  return {
    pageUrl: `${origin}/#token=${token}`,
    origin,
    host,
    port,
    token,
    control,
    async close() {
      events.close();
      await app.close();
      await control.close();
    },
  };
}
