// A small relying party for the browser test: @simplewebauthn/server behind four JSON routes, and a page that
// signs up and signs in with @simplewebauthn/browser, served on http://localhost (a secure context).
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';

// The package's exports map hides its UMD bundle: find the package's folder from its entry point.
const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
const root = entry.slice(0, entry.lastIndexOf('@simplewebauthn/browser') + '@simplewebauthn/browser'.length);
const BROWSER_BUNDLE = readFileSync(join(root, 'dist/bundle/index.umd.min.js'), 'utf8');

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>RP</title><script src="/swa.js"></script></head><body>
<script>
async function post(path, body) {
  const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  return r.json();
}
async function ceremony(kind, body) {
  try {
    const optionsJSON = await post('/' + kind + '/options', body);
    const response = kind === 'register'
      ? await SimpleWebAuthnBrowser.startRegistration({ optionsJSON })
      : await SimpleWebAuthnBrowser.startAuthentication({ optionsJSON });
    return await post('/' + kind + '/verify', response);
  } catch (e) {
    return { error: (e.cause && e.cause.name) || e.name, code: e.code };
  }
}
</script></body></html>`;

export class RelyingParty {
  readonly credentials: WebAuthnCredential[] = [];
  private challenge = '';
  private requireUv = false;
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<RelyingParty> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const rp = new RelyingParty(server, `http://localhost:${port}`);
    server.on('request', (req, res) => {
      rp.route(req)
        .then(([type, body]) => res.writeHead(200, { 'content-type': type }).end(body))
        .catch((e) =>
          res
            .writeHead(400, { 'content-type': 'application/json' })
            .end(JSON.stringify({ verified: false, error: String(e.message) })),
        );
    });
    return rp;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private async route(req: IncomingMessage): Promise<[string, string]> {
    if (req.method === 'GET' && req.url === '/') return ['text/html', PAGE];
    if (req.method === 'GET' && req.url === '/swa.js') return ['text/javascript', BROWSER_BUNDLE];
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
    const json = (v: unknown): [string, string] => ['application/json', JSON.stringify(v)];
    const rpID = 'localhost';
    switch (req.url) {
      case '/register/options': {
        const o = await generateRegistrationOptions({
          rpName: 'Browser RP',
          rpID,
          userName: 'alice',
          attestationType: 'direct',
          authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
        });
        this.challenge = o.challenge;
        return json(o);
      }
      case '/register/verify': {
        const v = await verifyRegistrationResponse({
          response: body,
          expectedChallenge: this.challenge,
          expectedOrigin: this.origin,
          expectedRPID: rpID,
          requireUserVerification: false,
        });
        if (v.verified) this.credentials.push(v.registrationInfo!.credential);
        return json({ verified: v.verified, fmt: v.registrationInfo?.fmt });
      }
      case '/login/options': {
        this.requireUv = body.userVerification === 'required';
        const o = await generateAuthenticationOptions({
          rpID,
          userVerification: body.userVerification ?? 'discouraged',
          allowCredentials: this.credentials.map((c) => ({ id: c.id })),
        });
        this.challenge = o.challenge;
        return json(o);
      }
      case '/login/verify': {
        const credential = this.credentials.find((c) => c.id === body.id);
        if (!credential) return json({ verified: false, error: 'unknown credential' });
        const v = await verifyAuthenticationResponse({
          response: body,
          expectedChallenge: this.challenge,
          expectedOrigin: this.origin,
          expectedRPID: rpID,
          credential,
          requireUserVerification: this.requireUv,
        });
        if (v.verified) credential.counter = v.authenticationInfo.newCounter;
        return json({ verified: v.verified, userVerified: v.authenticationInfo.userVerified });
      }
    }
    throw new Error('no such route');
  }
}
