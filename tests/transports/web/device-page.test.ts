// The device page in headless Chromium (Debian's, through playwright-core) against a real served device: boot,
// unlock a basis in the password dialog, add a TOTP there, register at the demo RP and approve the presence modal
// on the device page, lock the basis and see its entries go. Screenshots of each step go to test-artifacts/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serveTestDevice, type ServedTestDevice } from './served-device.ts';
import { installWebAuthnBridge } from '../../../transports/browser/index.ts';
import { WebAuthnClient } from '../../../transports/webauthn/index.ts';

const ARTIFACTS = new URL('../../../test-artifacts/device-page/', import.meta.url).pathname;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let d: ServedTestDevice;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  d = await serveTestDevice('device-page');
  await d.device.pddb.createBasis('work', 'basis-pw');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await d?.close();
});

const screenText = () => page.locator('#screen-text').textContent();
const shot = (name: string) => page.locator('.device').screenshot({ path: `${ARTIFACTS}${name}.png` });
async function until(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen: ${await screenText()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const shows = (s: string) => until(async () => ((await screenText()) ?? '').includes(s), `'${s}' on the screen`);
/** The screen's title line: the mode, or the modal's heading. */
const titled = (t: string) => until(async () => ((await screenText()) ?? '').split('\n')[0] === t, `the '${t}' screen`);
const gone = (s: string) => until(async () => !((await screenText()) ?? '').includes(s), `'${s}' off the screen`);
const keys = async (...ks: string[]) => {
  for (const k of ks) await page.keyboard.press(k);
};

describe('device page in Chromium', () => {
  it('boots, unlocks a basis, adds a TOTP, approves a FIDO registration, and locking hides it all', async () => {
    await page.goto(d.web.pageUrl);
    await shows('TOTP');
    await shows('no entries');
    await shot('1-boot');

    // The basis password dialog, from the menu.
    await keys('F4');
    await shows('Unlock basis');
    const menu = ((await screenText()) ?? '').split('\n');
    const down =
      menu.filter((l) => l !== 'Menu').indexOf('Unlock basis') - menu.filter((l) => l !== 'Menu').indexOf('Add TOTP');
    for (let i = 0; i < down; i++) await keys('ArrowDown');
    await keys('Enter');
    await shows('Basis name');
    await page.keyboard.type('work');
    await keys('Enter');
    await page.keyboard.type('basis-pw');
    await shot('2-unlock-dialog');
    expect(await screenText()).not.toContain('basis-pw');
    await keys('Enter');
    await shows('[work]');

    // Add a TOTP: it lands in the latest basis (work), and its code counts down.
    await keys('F4', 'Enter');
    await shows('Add TOTP');
    await page.keyboard.type('github');
    await keys('Enter');
    await page.keyboard.type('JBSWY3DPEHPK3PXP');
    await keys('Enter');
    await page.keyboard.type('GitHub');
    await keys('Enter', 'Enter');
    await shows('github (GitHub)');
    await until(async () => /\n\d{6}\n\d+s/.test((await screenText()) ?? ''), 'a TOTP code with its countdown');
    await shot('3-totp');
    expect((await d.api('/api/totp')).json.entries).toMatchObject([{ name: 'github', basis: 'work' }]);

    // The demo RP registers through the browser's own WebAuthn (@simplewebauthn/browser -> navigator.credentials,
    // routed to the device by the browser bridge); the presence modal shows on the device page; a key approves it.
    const rp = await browser.newPage();
    await installWebAuthnBridge(rp, new WebAuthnClient(d.control().fido));
    await rp.goto(`${d.web.origin}/rp/#token=${d.web.token}`);
    await rp.fill('#user', 'alice');
    await rp.check('#browser');
    await rp.click('#register');
    await shows('FIDO request');
    await shows('localhost');
    await shows('alice');
    await shot('4-presence-modal');
    await page.bringToFront();
    await keys('Enter');
    await rp.locator('#result[data-ok="true"]').waitFor({ timeout: 20_000 });
    expect(await rp.locator('#result').textContent()).toContain('registered alice');
    await rp.screenshot({ path: `${ARTIFACTS}5-rp-registered.png` });

    // Sign in through the RP's device route (the in-process client, for browsers without the bridge); F1 would deny.
    await gone('FIDO request');
    await rp.uncheck('#browser');
    await rp.click('#login');
    await shows('sign in');
    await keys('Space');
    await rp.locator('#result[data-ok="true"]').waitFor({ timeout: 20_000 });
    expect(await rp.locator('#result').textContent()).toContain('signed in as alice');

    // A denied request (F1) fails at the RP with the browser's NotAllowedError.
    await gone('FIDO request');
    await rp.click('#login');
    await shows('sign in');
    await keys('F1');
    await rp.locator('#result[data-ok="false"]').waitFor({ timeout: 20_000 });
    expect(await rp.locator('#result').textContent()).toContain('NotAllowedError');
    await gone('FIDO request');
    await keys('F1');
    await titled('FIDO');
    await shows('localhost');
    await shot('6-fido-list');

    // Lock the basis from the menu: the TOTP entry and the credential vanish from the screen.
    await keys('F2');
    await titled('TOTP');
    await shows('github (GitHub)');
    await keys('F4');
    await shows('Lock basis work');
    const items = ((await screenText()) ?? '').split('\n');
    const steps = items.indexOf('Lock basis work') - items.indexOf('Add TOTP');
    for (let i = 0; i < steps; i++) await keys('ArrowDown');
    await keys('Enter');
    await shows('no entries');
    expect(await screenText()).not.toContain('github');
    await keys('F1');
    await titled('FIDO');
    await shows('no entries');
    await shot('7-locked');
    expect((await d.api('/api/fido/credentials')).json.credentials).toEqual([]);
    expect((await d.api('/api/totp')).json.entries).toEqual([]);
  }, 120_000);

  it('the side panel shows the live IPC trace', async () => {
    await until(
      async () => ((await page.locator('#trace').textContent()) ?? '').includes('vault.totp.'),
      'the trace panel',
    );
    const text = (await page.locator('#trace').textContent()) ?? '';
    expect(text).toContain('web');
    expect(text).not.toContain('basis-pw');
    expect(text).not.toContain('JBSWY3DPEHPK3PXP');
  }, 30_000);
});
