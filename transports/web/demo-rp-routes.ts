// The demo relying party's HTTP side, under /rp: its page, and its JSON API. While the browser bridge is not
// there, the page hands the options to /rp/api/device/create|get, where the in-process WebAuthn client talks to
// the device (the presence modal shows on the device page as with a real browser); with a bridge or a security
// key, the page uses @simplewebauthn/browser instead.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DeviceControl } from './device-control.ts';
import { DemoRelyingParty, type RpSite } from './demo-rp.ts';
import { DeviceWebAuthn } from './device-webauthn.ts';

const user = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._@-]+$' } as const;
const tokenQuery = { type: 'object', additionalProperties: false, properties: { token: { type: 'string', maxLength: 128 } } } as const;
const body = (properties: Record<string, unknown>, required: string[]) => ({ type: 'object', additionalProperties: false, properties, required });
/** A WebAuthn response: its shape is the verifier's to judge; here only its kind (the body limit bounds its size). */
const json = { type: 'object' } as const;
const b64 = { type: 'string', minLength: 1, maxLength: 1024, pattern: '^[A-Za-z0-9_-]+$' } as const;
const text = { type: 'string', maxLength: 256 } as const;
const credList = { type: 'array', maxItems: 64, items: { type: 'object', required: ['id'], properties: { id: b64 } } } as const;
/** What the in-process client reads of the options, checked so a malformed one is a 400, not a crash. */
const creationOptions = {
  type: 'object',
  required: ['challenge', 'rp', 'user', 'pubKeyCredParams'],
  properties: {
    challenge: b64,
    rp: { type: 'object', required: ['name'], properties: { name: text, id: text } },
    user: { type: 'object', required: ['id', 'name', 'displayName'], properties: { id: b64, name: text, displayName: text } },
    pubKeyCredParams: { type: 'array', minItems: 1, maxItems: 16, items: { type: 'object', required: ['alg'], properties: { alg: { type: 'integer' } } } },
    excludeCredentials: credList,
  },
} as const;
const requestOptions = {
  type: 'object',
  required: ['challenge'],
  properties: { challenge: b64, rpId: text, allowCredentials: credList },
} as const;

export function demoRpRoutes(app: FastifyInstance, ctl: DeviceControl, origin: () => string): void {
  const rp = new DemoRelyingParty();
  const webauthn = new DeviceWebAuthn(ctl.fido);
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
  app.post('/rp/api/device/create', { schema: { querystring: tokenQuery, body: body({ options: creationOptions }, ['options']) } }, async (req) =>
    webauthn.create((req.body as B).options, site(req).origin),
  );
  app.post('/rp/api/device/get', { schema: { querystring: tokenQuery, body: body({ options: requestOptions }, ['options']) } }, async (req) =>
    webauthn.get((req.body as B).options, site(req).origin),
  );
}
