// Who may talk to the control API: requests addressed to this server by a name that cannot be rebound (Host is the
// loopback address or the bound one: no DNS rebinding), from no web origin or this server's own (no cross-site
// request), carrying the device's token (a header, or ?token= where a browser cannot set one: EventSource).
import { timingSafeEqual } from 'node:crypto';
import { WebError } from './error-reply.ts';

export interface GuardOptions {
  host: string;
  port: number;
  token: string;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

export class RequestGuard {
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;
  private readonly token: Buffer;

  constructor(opts: GuardOptions) {
    const bound = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    const names = new Set([...LOOPBACK, bound].filter((h) => h !== '0.0.0.0' && h !== '[::]'));
    this.hosts = new Set([...names].map((h) => `${h}:${opts.port}`.toLowerCase()));
    this.origins = new Set([...this.hosts].map((h) => `http://${h}`));
    this.token = Buffer.from(opts.token);
  }

  /** Host and Origin: checked on every request, the page's files included. */
  checkSite(headers: Record<string, string | string[] | undefined>): void {
    const host = one(headers.host)?.toLowerCase();
    if (!host || !this.hosts.has(host)) throw new WebError(403, 'BadHost', 'the Host header does not name this server');
    const origin = one(headers.origin);
    if (origin !== undefined && !this.origins.has(origin.toLowerCase())) {
      throw new WebError(403, 'BadOrigin', 'cross-origin requests are refused');
    }
    if (one(headers['sec-fetch-site']) === 'cross-site')
      throw new WebError(403, 'BadOrigin', 'cross-site requests are refused');
  }

  checkToken(headers: Record<string, string | string[] | undefined>, query: unknown): void {
    const auth = one(headers.authorization);
    const given = auth?.startsWith('Bearer ') ? auth.slice(7) : (query as { token?: unknown } | undefined)?.token;
    if (typeof given !== 'string' || given === '')
      throw new WebError(401, 'NoToken', 'this API needs the device token');
    const b = Buffer.from(given);
    if (b.length !== this.token.length || !timingSafeEqual(b, this.token))
      throw new WebError(401, 'BadToken', 'wrong token');
  }
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
