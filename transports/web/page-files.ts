// The device page and the demo RP page: fixed files served by name (no path from the request reaches the file
// system), plus the @simplewebauthn/browser bundle from its package.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

const FILES: Record<string, URL> = {
  '/': new URL('./page/index.html', import.meta.url),
  '/device.js': new URL('./page/device.js', import.meta.url),
  '/screen.js': new URL('./page/screen.js', import.meta.url),
  '/vault-view.js': new URL('./page/vault-view.js', import.meta.url),
  '/trace-view.js': new URL('./page/trace-view.js', import.meta.url),
  '/api.js': new URL('./page/api.js', import.meta.url),
  '/style.css': new URL('./page/style.css', import.meta.url),
  '/rp/': new URL('./page/rp.html', import.meta.url),
  '/rp/rp.js': new URL('./page/rp.js', import.meta.url),
};

/** The page may load only its own scripts and talk only to this server. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function pageRoutes(app: FastifyInstance): void {
  const served = { ...FILES };
  const bundle = browserBundle();
  if (bundle) served['/vendor/simplewebauthn-browser.js'] = bundle;
  for (const [route, file] of Object.entries(served)) {
    const type = TYPES[file.pathname.split('.').pop()!];
    app.get(route, async (_req, reply) =>
      reply
        .header('content-type', type)
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-store')
        .send(readFileSync(file)),
    );
  }
}

/** @simplewebauthn/browser's script bundle (its package exports only the module entry, the bundle sits beside it). */
function browserBundle(): URL | undefined {
  try {
    return new URL(
      '../dist/bundle/index.umd.min.js',
      pathToFileURL(createRequire(import.meta.url).resolve('@simplewebauthn/browser')),
    );
  } catch {
    // Not installed (a production install without dev dependencies): the RP page then uses the device route only.
    return undefined;
  }
}
