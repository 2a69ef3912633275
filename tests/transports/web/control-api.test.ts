// The control API on a real device over real HTTP: what it does, and every hostile request refused with the right
// status and nothing changed on the device.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { serveTestDevice, type ServedTestDevice } from './served-device.ts';
import { PolicyMode } from '../../../vault/ui/api.ts';

const SECRET = 'JBSWY3DPEHPK3PXP';

let d: ServedTestDevice;
beforeAll(async () => {
  d = await serveTestDevice('control-api');
  await d.device.pddb.createBasis('work', 'basis-pw');
}, 60_000);
afterAll(() => d?.close());

/** A raw request, for headers fetch would not let us forge (Host). */
function raw(
  path: string,
  headers: Record<string, string>,
  method = 'GET',
  body?: string,
): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: d.web.port, path, method, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, json: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('control API', () => {
  it('reports status and bases', async () => {
    const r = await d.api('/api/status');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: true, mounted: true, bases: ['.System'], presencePending: false });
  });

  it('unlocks a basis, stores TOTP and password entries there, and locking hides them', async () => {
    expect((await d.api('/api/bases/unlock', { body: { name: 'work', password: 'basis-pw' } })).json.bases).toEqual([
      '.System',
      'work',
    ]);
    const add = await d.api('/api/totp', { body: { name: 'github', secret: SECRET, issuer: 'GitHub', basis: 'work' } });
    expect(add.status).toBe(200);
    expect(add.json.entry).toMatchObject({ name: 'github', basis: 'work' });
    const code = await d.api('/api/totp/code', { body: { name: 'github' } });
    expect(code.json.code).toMatch(/^\d{6}$/);
    expect(code.json.remaining).toBeGreaterThan(0);
    await d.api('/api/pw', { body: { description: 'bank', username: 'me', password: 'hunter2', basis: 'work' } });
    expect((await d.api('/api/pw/get', { body: { description: 'bank' } })).json.entry).toMatchObject({
      password: 'hunter2',
      basis: 'work',
    });
    // Listings never carry a secret.
    const list = await d.api('/api/totp');
    expect(list.json.entries.map((e: { name: string }) => e.name)).toEqual(['github']);
    expect(JSON.stringify(list.json)).not.toContain(SECRET);
    expect(JSON.stringify((await d.api('/api/pw')).json)).not.toContain('hunter2');

    expect((await d.api('/api/bases/lock', { body: { name: 'work' } })).json.bases).toEqual(['.System']);
    expect((await d.api('/api/totp')).json.entries).toEqual([]);
    expect((await d.api('/api/pw')).json.entries).toEqual([]);
    expect((await d.api('/api/totp/code', { body: { name: 'github' } })).status).toBe(404);
  });

  it('a wrong basis password is refused exactly like an absent basis (403), and unlocks nothing', async () => {
    const wrong = await d.api('/api/bases/unlock', { body: { name: 'work', password: 'nope' } });
    const absent = await d.api('/api/bases/unlock', { body: { name: 'ghost', password: 'nope' } });
    expect(wrong.status).toBe(403);
    expect(absent.status).toBe(403);
    expect(wrong.json.error.code).toBe(absent.json.error.code);
    expect(JSON.stringify(wrong.json)).not.toContain('nope');
    expect((await d.api('/api/bases')).json.bases).toEqual(['.System']);
  });

  it('creates a basis (locked until unlocked); the same name and password again is a 409', async () => {
    expect((await d.api('/api/bases/create', { body: { name: 'made', password: 'made-pw' } })).json.bases).toEqual([
      '.System',
    ]);
    // Same name and password: the same basis, refused. (Another password would make another basis of that name:
    // the PDDB cannot tell, by design.)
    const again = await d.api('/api/bases/create', { body: { name: 'made', password: 'made-pw' } });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('DuplicateEntry');
    expect((await d.api('/api/bases/unlock', { body: { name: 'made', password: 'made-pw' } })).json.bases).toContain(
      'made',
    );
    await d.api('/api/bases/lock', { body: { name: 'made' } });
  });

  it('deletes entries, and a duplicate is a 409', async () => {
    await d.api('/api/totp', { body: { name: 'mail', secret: SECRET } });
    expect((await d.api('/api/totp', { body: { name: 'mail', secret: SECRET } })).status).toBe(409);
    expect((await d.api('/api/totp/delete', { body: { name: 'mail' } })).status).toBe(200);
    expect((await d.api('/api/totp/delete', { body: { name: 'mail' } })).status).toBe(404);
  });

  it('presence: pending, approved from the API; deny; nothing pending is a 409', async () => {
    expect((await d.api('/api/presence/approve', { body: {} })).status).toBe(409);
    await d.control().ui.setPolicy({ mode: PolicyMode.Manual });
    const asked = d.control().ui.requestPresence('register', 'example.com', 'alice');
    let screen: { modal: boolean };
    do screen = (await d.api('/api/presence')).json.presence;
    while (!screen.modal);
    expect(screen).toMatchObject({ modal: true, rp: 'example.com', user: 'alice', reason: 'register' });
    expect((await d.api('/api/presence/approve', { body: {} })).status).toBe(200);
    expect(await asked).toBe(1);
    const denied = d.control().ui.requestPresence('sign in', 'example.com', 'alice');
    do screen = (await d.api('/api/screen')).json.screen;
    while (!screen.modal);
    expect((await d.api('/api/key', { body: { key: 'F1' } })).json.handled).toBe(true);
    expect(await denied).toBe(2);
  });

  it('FIDO info and credentials', async () => {
    const info = await d.api('/api/fido/info');
    expect(info.json.info.versions).toContain('FIDO_2_0');
    expect((await d.api('/api/fido/credentials')).json.credentials).toEqual([]);
  });

  it('the trace lists the API process messages by size only, never a secret', async () => {
    await d.api('/api/pw', { body: { description: 'trace-probe', password: 'tr4ce-s3cret' } });
    const t = await d.api('/api/trace');
    expect(t.json.entries.some((e: { from: string; op: string }) => e.from === 'web' && e.op === 'Add')).toBe(true);
    expect(JSON.stringify(t.json)).not.toContain('tr4ce-s3cret');
    expect(JSON.stringify(t.json)).not.toContain('trace-probe');
    const last = t.json.entries.at(-1).seq;
    expect((await d.api(`/api/trace?since=${last}`)).json.entries.every((e: { seq: number }) => e.seq > last)).toBe(
      true,
    );
  });
});

describe('hostile requests: refused, nothing changed', () => {
  const snapshot = async () =>
    JSON.stringify([(await d.api('/api/bases')).json, (await d.api('/api/totp')).json, (await d.api('/api/pw')).json]);

  it('missing or wrong token: 401', async () => {
    const snap = await snapshot();
    const none = await d.api('/api/totp', { body: { name: 'x', secret: SECRET }, token: null });
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('NoToken');
    const wrong = await d.api('/api/totp', {
      body: { name: 'x', secret: SECRET },
      token: 'A'.repeat(d.web.token.length),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('BadToken');
    expect(
      (await d.api('/api/bases/unlock', { body: { name: 'work', password: 'basis-pw' }, token: d.web.token + 'x' }))
        .status,
    ).toBe(401);
    expect((await d.api(`/api/status?token=${d.web.token}`, { token: null })).status).toBe(200);
    expect(await snapshot()).toBe(snap);
  });

  it('foreign Host (DNS rebinding) and foreign Origin: 403, even with the token', async () => {
    const snap = await snapshot();
    const auth = { authorization: `Bearer ${d.web.token}`, 'content-type': 'application/json' };
    const body = JSON.stringify({ name: 'x', secret: SECRET });
    const host = await raw('/api/totp', { ...auth, host: `evil.example:${d.web.port}` }, 'POST', body);
    expect(host.status).toBe(403);
    expect(host.json.error.code).toBe('BadHost');
    expect((await raw('/', { host: 'evil.example' })).status).toBe(403);
    const origin = await raw(
      '/api/totp',
      { ...auth, host: `127.0.0.1:${d.web.port}`, origin: 'https://evil.example' },
      'POST',
      body,
    );
    expect(origin.status).toBe(403);
    expect(origin.json.error.code).toBe('BadOrigin');
    const site = await raw(
      '/api/totp',
      { ...auth, host: `127.0.0.1:${d.web.port}`, 'sec-fetch-site': 'cross-site' },
      'POST',
      body,
    );
    expect(site.status).toBe(403);
    // The server's own origin is fine, by either loopback name.
    expect(
      (await raw('/api/status', { ...auth, host: `localhost:${d.web.port}`, origin: `http://localhost:${d.web.port}` }))
        .status,
    ).toBe(200);
    expect(await snapshot()).toBe(snap);
  });

  it('oversized bodies: 413', async () => {
    const snap = await snapshot();
    const r = await d.api('/api/pw', { body: { description: 'big', password: 'x'.repeat(64 * 1024) } });
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe('TooLarge');
    expect(await snapshot()).toBe(snap);
  });

  it('wrong types, missing and extra fields, bad JSON, unknown routes: 400/404 with a code', async () => {
    const snap = await snapshot();
    const cases: [string, unknown][] = [
      ['/api/totp', { name: 'x', secret: 12345 }],
      ['/api/totp', { name: 'x' }],
      ['/api/totp', { name: 'x', secret: SECRET, digits: '6' }],
      ['/api/totp', { name: 'x', secret: SECRET, digits: 9 }],
      ['/api/totp', { name: 'x', secret: SECRET, extra: true }],
      ['/api/totp', { name: '', secret: SECRET }],
      ['/api/totp', [1, 2]],
      ['/api/totp', '{"name":'],
      ['/api/bases/unlock', { name: 'work', password: ['basis-pw'] }],
      ['/api/bases/unlock', { name: 'work', password: 'p'.repeat(73) }],
      ['/api/key', { key: 7 }],
      ['/api/pw/get', { description: null }],
    ];
    for (const [path, body] of cases) {
      const r = await d.api(path, { body });
      expect(r.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(r.json.ok).toBe(false);
      expect(typeof r.json.error.code).toBe('string');
    }
    // A body that is not a valid secret reaches the vault server and is refused there with its own code.
    const bad = await d.api('/api/totp', { body: { name: 'x', secret: '!!!' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('BadSecret');
    expect((await d.api('/api/trace?since=abc')).status).toBe(400);
    expect((await d.api('/api/nothing')).status).toBe(404);
    expect((await d.api('/api/totp', { body: 'name=x', headers: { 'content-type': 'text/plain' } })).status).toBe(400);
    expect(
      (await d.api('/api/totp', { body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }))
        .status,
    ).toBe(415);
    expect(await snapshot()).toBe(snap);
  });
});
