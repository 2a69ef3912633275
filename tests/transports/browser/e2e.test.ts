// End to end in headless Chromium (Debian's /usr/bin/chromium through playwright-core): a relying party using
// @simplewebauthn/server and @simplewebauthn/browser registers and signs in with the emulated Vault through the
// navigator.credentials bridge: a plain sign-in, a PIN-verified one, and a refusal once the credential's basis is
// locked. Skipped, with the reason, only where /usr/bin/chromium is absent.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startAuthenticator, type InProcessAuthenticator } from '../../../vault/fido/in-process.ts';
import { CtapHost } from '../../../vault/fido/host.ts';
import { storedCredentials } from '../../../vault/fido/inventory.ts';
import { PolicyMode } from '../../../vault/ui/api.ts';
import { WebAuthnClient } from '../../../transports/webauthn/index.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, installWebAuthnBridge } from '../../../transports/browser/index.ts';
import { RelyingParty } from './relying-party.ts';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium) console.warn(`browser tests skipped: ${CHROMIUM_PATH} is not installed (apt-get install chromium)`);

describe.skipIf(!haveChromium)('WebAuthn in headless Chromium through the bridge', () => {
  let dev: InProcessAuthenticator;
  let browser: Browser;
  let rp: RelyingParty;
  let page: Page;

  beforeAll(async () => {
    dev = await startAuthenticator({ seed: 'browser-e2e' });
    await dev.ui.setPolicy({ mode: PolicyMode.Approve });
    await new CtapHost(dev.fido).setPin('2580');
    // The credential goes into a secret basis: locking it must make the credential unusable.
    await dev.pddb.createBasis('travel', 'pw-travel');
    await dev.pddb.unlockBasis('travel', 'pw-travel');
    rp = await RelyingParty.start();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    page = await browser.newPage();
    await installWebAuthnBridge(page, new WebAuthnClient(dev.fido, { pin: '2580' }));
    await page.goto(rp.origin + '/');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await dev?.shutdown();
  });

  const ceremony = (kind: 'register' | 'login', body: object = {}) =>
    page.evaluate(([k, b]) => (globalThis as any).ceremony(k, b), [kind, body] as const);

  it('registers (packed attestation, verified by the RP) into the unlocked secret basis', async () => {
    expect(await ceremony('register')).toEqual({ verified: true, fmt: 'packed' });
    expect(await storedCredentials(dev.pddb)).toEqual([
      expect.objectContaining({ rpId: 'localhost', basis: 'travel', discoverable: true }),
    ]);
  }, 30_000);

  it('signs in, then signs in with the PIN verified (UV required)', async () => {
    expect(await ceremony('login', { userVerification: 'discouraged' })).toEqual({
      verified: true,
      userVerified: false,
    });
    expect(await ceremony('login', { userVerification: 'required' })).toEqual({ verified: true, userVerified: true });
  }, 30_000);

  it('refuses the sign-in once the basis holding the credential is locked (NotAllowedError in the page)', async () => {
    await dev.pddb.lockBasis('travel');
    const r = await ceremony('login', { userVerification: 'discouraged' });
    expect(r).toMatchObject({ error: 'NotAllowedError' });
    await dev.pddb.unlockBasis('travel', 'pw-travel');
    expect(await ceremony('login', { userVerification: 'discouraged' })).toEqual({
      verified: true,
      userVerified: false,
    });
  }, 30_000);
});
