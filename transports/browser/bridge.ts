// The real-browser bridge: navigator.credentials in a Playwright page (or every page of a context) routed to the
// emulated authenticator through the WebAuthn client. The origin is the calling frame's, as the browser would
// report it, so the client's origin and RP ID rules apply to the page.
import type { WebAuthnClient } from '../webauthn/client.ts';
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';

/** A Playwright page, or a context (every page it opens). */
export type BridgeTarget = Page | BrowserContext;

const BINDING = '__pvaultWebAuthn';
/**
 * The in-page half: one arrow function expression, applied to the binding's name. Wrapped here, because a formatter
 * may drop the file's outer parentheses or add a final semicolon.
 */
const PAGE_SCRIPT = readFileSync(new URL('./page-script.js', import.meta.url), 'utf8')
  .trim()
  .replace(/;$/, '');

/** Chromium's flags for these machines (headless, no sandbox in containers, nothing fetched in the background). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const CHROMIUM_PATH = '/usr/bin/chromium';

export async function installWebAuthnBridge(target: BridgeTarget, client: WebAuthnClient): Promise<void> {
  await target.exposeBinding(BINDING, async (source, kind: unknown, options: unknown) => {
    try {
      const origin = new URL(source.frame.url()).origin;
      if (kind === 'create') return { ok: true, value: await client.create(options, { origin }) };
      if (kind === 'get') return { ok: true, value: await client.get(options, { origin }) };
      return { ok: false, name: 'NotSupportedError', message: 'unknown ceremony' };
    } catch (e) {
      const err = e as Error;
      const name = e instanceof DOMException || e instanceof TypeError ? err.name : 'UnknownError';
      return { ok: false, name, message: name === 'UnknownError' ? 'the emulator failed' : err.message };
    }
  });
  await target.addInitScript({ content: `(${PAGE_SCRIPT})(${JSON.stringify(BINDING)});` });
}
