// The demo relying party's HTTP side, under /rp: its JSON API (the page is in page-files.ts). A browser that cannot
// reach the emulated device by itself (no bridge installed) hands the options to /rp/api/device/create|get, where
// the WebAuthn client (transports/webauthn) runs in process against the device with the page's origin; with the
// browser bridge or a security key, the page uses @simplewebauthn/browser and navigator.credentials instead.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DeviceControl } from './device-control.ts';
import { DemoRelyingParty, type RpSite } from './demo-rp.ts';
import { WebAuthnClient } from '../webauthn/index.ts';
import { WebError } from './error-reply.ts';

const user = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._@-]+$' } as const;
const tokenQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { token: { type: 'string', maxLength: 128 } },
} as const;
const body = (properties: Record<string, unknown>, required: string[]) => ({
  type: 'object',
  additionalProperties: false,
  properties,
  required,
});
/** A WebAuthn response: its shape is the verifier's to judge; here only its kind (the body limit bounds its size). */
const json = { type: 'object' } as const;
export function demoRpRoutes(app: FastifyInstance, ctl: DeviceControl, origin: () => string): void {
  const rp = new DemoRelyingParty();
  const webauthn = new WebAuthnClient(ctl.fido);
  /** The RP's site is the address the page was loaded from (the Host header passed the guard). */
  const site = (req: FastifyRequest): RpSite => {
    const o = `http://${req.headers.host ?? new URL(origin()).host}`;
    return { origin: o, rpId: new URL(o).hostname };
  };
  const opts = (extra: Record<string, unknown> = {}, required: string[] = []) => ({
    schema: { querystring: tokenQuery, body: body({ user, ...extra }, ['user', ...required]) },
  });
  type B = { user: string; response: never; options: never };

  app.post('/rp/api/register/options', opts(), async (req) => rp.registrationOptions(site(req), (req.body as B).user));
  app.post('/rp/api/register/verify', opts({ response: json }, ['response']), async (req) => {
    const b = req.body as B;
    return rp.verifyRegistration(site(req), b.user, b.response);
  });
  app.post('/rp/api/login/options', opts(), async (req) => rp.authenticationOptions(site(req), (req.body as B).user));
  app.post('/rp/api/login/verify', opts({ response: json }, ['response']), async (req) => {
    const b = req.body as B;
    return rp.verifyAuthentication(site(req), b.user, b.response);
  });
  const device = { schema: { querystring: tokenQuery, body: body({ options: json }, ['options']) } };
  app.post('/rp/api/device/create', device, async (req) =>
    asPage(webauthn.create((req.body as B).options, { origin: site(req).origin })),
  );
  app.post('/rp/api/device/get', device, async (req) =>
    asPage(webauthn.get((req.body as B).options, { origin: site(req).origin })),
  );
}

/** What a page would see from navigator.credentials (a DOMException by name, a TypeError for bad options), as a 4xx. */
async function asPage<T>(ceremony: Promise<T>): Promise<T> {
  try {
    return await ceremony;
  } catch (e) {
    if (e instanceof DOMException) throw new WebError(e.name === 'NotAllowedError' ? 403 : 400, e.name, e.message);
    if (e instanceof TypeError) throw new WebError(400, 'TypeError', e.message);
    throw e;
  }
}
