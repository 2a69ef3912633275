// The control API's routes: JSON in, JSON out, every body and query checked against a closed schema (no
// coercion, no extra fields), so a wrong type is a 400 before the device is touched.
import type { FastifyInstance } from 'fastify';
import type { DeviceControl } from './device-control.ts';
import { Presence } from '../../vault/ui/api.ts';
import { WebError } from './error-reply.ts';
import { ALGORITHMS } from '../../vault/totp/record.ts';

const str = (maxLength: number, minLength = 0) => ({ type: 'string', minLength, maxLength }) as const;
const NAME = str(256, 1);
const BASIS = str(64, 1);
const obj = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  properties,
  required,
});
const listQuery = { querystring: obj({ filter: str(256), token: str(128) }) };
const tokenQuery = { querystring: obj({ token: str(128) }) };

const totpNew = obj(
  {
    name: NAME,
    secret: str(256, 1),
    issuer: str(256),
    notes: str(1024),
    algorithm: { enum: [...ALGORITHMS] },
    digits: { type: 'integer', minimum: 6, maximum: 8 },
    period: { type: 'integer', minimum: 1, maximum: 0x7fff_ffff },
    hotp: { type: 'boolean' },
    counter: { type: 'integer', minimum: 0, maximum: 0xffff_ffff },
    basis: BASIS,
  },
  ['name', 'secret'],
);
const totpWhich = obj({ name: NAME, basis: BASIS }, ['name']);
const pwNew = obj({ description: NAME, username: str(256), password: str(1024), notes: str(1024), basis: BASIS }, [
  'description',
  'password',
]);
const pwWhich = obj({ description: NAME, username: str(256), basis: BASIS }, ['description']);

export function controlRoutes(app: FastifyInstance, ctl: DeviceControl): void {
  const ok = <T extends object>(v: T) => ({ ok: true, ...v });

  app.get('/api/status', { schema: tokenQuery }, async () => ok(await ctl.status()));

  app.get('/api/bases', { schema: tokenQuery }, async () => ok({ bases: await ctl.bases() }));
  app.post(
    '/api/bases/unlock',
    { schema: { ...tokenQuery, body: obj({ name: BASIS, password: str(72, 1) }, ['name', 'password']) } },
    async (req) => {
      const { name, password } = req.body as { name: string; password: string };
      return ok({ bases: await ctl.unlock(name, password) });
    },
  );
  app.post(
    '/api/bases/create',
    { schema: { ...tokenQuery, body: obj({ name: BASIS, password: str(72, 1) }, ['name', 'password']) } },
    async (req) => {
      const { name, password } = req.body as { name: string; password: string };
      return ok({ bases: await ctl.create(name, password) });
    },
  );
  app.post('/api/bases/lock', { schema: { ...tokenQuery, body: obj({ name: BASIS }, ['name']) } }, async (req) =>
    ok({ bases: await ctl.lock((req.body as { name: string }).name) }),
  );

  app.get('/api/totp', { schema: listQuery }, async (req) =>
    ok(await ctl.totpList((req.query as { filter?: string }).filter || undefined)),
  );
  app.post('/api/totp', { schema: { ...tokenQuery, body: totpNew } }, async (req) => {
    const b = req.body as {
      name: string;
      secret: string;
      issuer?: string;
      notes?: string;
      algorithm?: (typeof ALGORITHMS)[number];
      digits?: number;
      period?: number;
      hotp?: boolean;
      counter?: number;
      basis?: string;
    };
    const hotp = b.hotp ?? false;
    const entry = {
      name: b.name,
      secret: b.secret,
      issuer: b.issuer ?? '',
      notes: b.notes ?? '',
      algorithm: b.algorithm ?? 'SHA1',
      digits: b.digits ?? 6,
      timestep: hotp ? (b.counter ?? 0) : (b.period ?? 30),
      hotp,
    };
    return ok({ entry: await ctl.totpAdd(entry, b.basis) });
  });
  app.post('/api/totp/code', { schema: { ...tokenQuery, body: totpWhich } }, async (req) => {
    const { name, basis } = req.body as { name: string; basis?: string };
    return ok(await ctl.totpCode(name, basis));
  });
  app.post('/api/totp/delete', { schema: { ...tokenQuery, body: totpWhich } }, async (req) => {
    const { name, basis } = req.body as { name: string; basis?: string };
    await ctl.totpDelete(name, basis);
    return ok({});
  });

  app.get('/api/pw', { schema: listQuery }, async (req) =>
    ok(await ctl.pwList((req.query as { filter?: string }).filter || undefined)),
  );
  app.post('/api/pw', { schema: { ...tokenQuery, body: pwNew } }, async (req) => {
    const b = req.body as { description: string; username?: string; password: string; notes?: string; basis?: string };
    return ok({
      entry: await ctl.pwAdd(
        { description: b.description, username: b.username ?? '', password: b.password, notes: b.notes ?? '' },
        b.basis,
      ),
    });
  });
  app.post('/api/pw/get', { schema: { ...tokenQuery, body: pwWhich } }, async (req) =>
    ok({ entry: await ctl.pwGet(req.body as { description: string }) }),
  );
  app.post('/api/pw/delete', { schema: { ...tokenQuery, body: pwWhich } }, async (req) => {
    await ctl.pwDelete(req.body as { description: string });
    return ok({});
  });

  app.get('/api/fido/info', { schema: tokenQuery }, async () => ok({ info: await ctl.fidoInfo() }));
  app.get('/api/fido/credentials', { schema: { querystring: obj({ rp: str(256), token: str(128) }) } }, async (req) =>
    ok({ credentials: await ctl.fidoList((req.query as { rp?: string }).rp || undefined) }),
  );

  app.get('/api/screen', { schema: tokenQuery }, async () => ok({ screen: await ctl.screen() }));
  app.get('/api/presence', { schema: tokenQuery }, async () => ok({ presence: await ctl.screen() }));
  const answer = (outcome: Presence.Approved | Presence.Denied) => async () => {
    if (!(await ctl.answerPresence(outcome)))
      throw new WebError(409, 'NoPresenceRequest', 'no presence request is waiting');
    return ok({});
  };
  const empty = { ...tokenQuery, body: { anyOf: [obj({}), { type: 'null' }] } };
  app.post('/api/presence/approve', { schema: empty }, answer(Presence.Approved));
  app.post('/api/presence/deny', { schema: empty }, answer(Presence.Denied));
  app.post('/api/key', { schema: { ...tokenQuery, body: obj({ key: str(16, 1) }, ['key']) } }, async (req) =>
    ok({ handled: await ctl.press((req.body as { key: string }).key) }),
  );

  app.get(
    '/api/trace',
    { schema: { querystring: obj({ since: { type: 'string', pattern: '^-?[0-9]{1,9}$' }, token: str(128) }) } },
    async (req) => {
      const since = Number((req.query as { since?: string }).since ?? -1);
      return ok({ entries: ctl.trace(since) });
    },
  );
}
