// The live event stream (what the page draws from) and the demo RP's API under hostile input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveTestDevice, type ServedTestDevice } from './served-device.ts';
import { PolicyMode } from '../../../vault/ui/api.ts';

let d: ServedTestDevice;
beforeAll(async () => {
  d = await serveTestDevice('events-rp');
  await d.device.pddb.createBasis('work', 'basis-pw');
}, 60_000);
afterAll(() => d?.close());

/** An SSE reader: events as they come, and a wait for one that matches. */
async function subscribe(token = d.web.token) {
  const ctrl = new AbortController();
  const r = await fetch(`${d.web.origin}/api/events?token=${token}`, { signal: ctrl.signal });
  const seen: { event: string; data: any }[] = [];
  const waiters: (() => void)[] = [];
  if (r.ok) {
    void (async () => {
      const decoder = new TextDecoder();
      let buf = '';
      try {
        for await (const chunk of r.body!) {
          buf += decoder.decode(chunk as Uint8Array, { stream: true });
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) seen.push({ event, data: JSON.parse(data) });
            waiters.splice(0).forEach((w) => w());
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  const next = (event: string, pred: (data: any) => boolean = () => true) =>
    new Promise<any>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no '${event}' event; saw ${seen.map((s) => s.event).join(',')}`)),
        20_000,
      );
      const check = () => {
        const hit = seen.find((s) => s.event === event && pred(s.data));
        if (hit) {
          clearTimeout(timer);
          resolve(hit.data);
        } else waiters.push(check);
      };
      check();
    });
  return { status: r.status, next, close: () => ctrl.abort() };
}

describe('live events', () => {
  it('a stream needs the token', async () => {
    expect((await subscribe('wrong')).status).toBe(401);
  });

  it('sends the screen, bases and trace at once, then presence requests, basis changes and new IPC messages', async () => {
    const s = await subscribe();
    try {
      expect(s.status).toBe(200);
      expect((await s.next('screen')).modal).toBe(false);
      expect(await s.next('bases')).toEqual(['.System']);
      await s.next('trace');
      await d.control().ui.setPolicy({ mode: PolicyMode.Manual });
      const asked = d.control().ui.requestPresence('register', 'rp.example', 'bob');
      const p = await s.next('presence');
      expect(p).toMatchObject({ modal: true, rp: 'rp.example', user: 'bob', reason: 'register' });
      await d.api('/api/presence/deny', { body: {} });
      await s.next('screen', (v) => v.modal === false);
      expect(await asked).toBe(2);
      await d.api('/api/bases/unlock', { body: { name: 'work', password: 'basis-pw' } });
      expect(await s.next('bases', (b) => b.includes('work'))).toEqual(['.System', 'work']);
      await d.api('/api/pw', { body: { description: 'sse', password: 'sse-s3cret' } });
      const t = await s.next('trace', (entries) =>
        entries.some((e: { op: string; to: string }) => e.to === 'vault.passwords' && e.op === 'Add'),
      );
      expect(JSON.stringify(t)).not.toContain('sse-s3cret');
      // The stream's own screen polls stay out of the feed.
      expect(t.every((e: { from: string }) => e.from !== 'web-poll')).toBe(true);
    } finally {
      s.close();
    }
  }, 60_000);
});

describe('demo RP API', () => {
  const rp = (path: string, body: unknown) => d.api(`/rp/api/${path}`, { body });

  it('registers and signs in through the device route, and refuses replays, tampering and strangers', async () => {
    await d.control().ui.setPolicy({ mode: PolicyMode.Approve });
    expect((await rp('register/verify', { user: 'carol', response: {} })).json.error.code).toBe('NoChallenge');
    const options = (await rp('register/options', { user: 'carol' })).json;
    const response = (await rp('device/create', { options })).json;
    expect(response.id).toBeTruthy();
    // Tampered clientDataJSON: the RP's verification fails, nothing registered.
    const bad = {
      ...response,
      response: {
        ...response.response,
        clientDataJSON: Buffer.from('{"type":"webauthn.create"}').toString('base64url'),
      },
    };
    const tampered = await rp('register/verify', { user: 'carol', response: bad });
    expect(tampered.status).toBe(400);
    // The challenge was used by the failed attempt: a fresh one is needed.
    expect((await rp('register/verify', { user: 'carol', response })).json.error.code).toBe('NoChallenge');
    const again = (await rp('register/options', { user: 'carol' })).json;
    const ok = await rp('register/verify', {
      user: 'carol',
      response: (await rp('device/create', { options: again })).json,
    });
    expect(ok.json.verified).toBe(true);
    const login = (await rp('login/options', { user: 'carol' })).json;
    const signed = await rp('login/verify', {
      user: 'carol',
      response: (await rp('device/get', { options: login })).json,
    });
    expect(signed.json.verified).toBe(true);
    expect((await rp('login/options', { user: 'nobody' })).status).toBe(404);
  }, 60_000);

  it('hostile input: bad names, malformed options, no token', async () => {
    expect((await rp('register/options', { user: '<script>' })).status).toBe(400);
    expect((await rp('register/options', { user: 'x'.repeat(65) })).status).toBe(400);
    expect((await rp('register/options', { user: 'a', extra: 1 })).status).toBe(400);
    const malformed = await rp('device/create', { options: { challenge: 5 } });
    expect(malformed.status).toBe(400);
    expect(malformed.json.ok).toBe(false);
    expect((await rp('device/get', { options: [] })).status).toBe(400);
    expect((await d.api('/rp/api/register/options', { body: { user: 'a' }, token: null })).status).toBe(401);
  });
});
