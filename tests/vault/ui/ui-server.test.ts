// The ui server over IPC: the presence modal (RP, user, countdown), F1 denies and any other key approves, the
// timeout, cancel, status for KEEPALIVE, and the automation policy (approve, deny, script, delay).
import { afterEach, describe, expect, it } from 'vitest';
import { Kernel, type Mode } from '../../../transports/ipc/index.ts';
import { UiClient } from '../../../vault/ui/client.ts';
import { PolicyMode, Presence, UpState } from '../../../vault/ui/api.ts';
import { UI_SERVER_MODULE } from '../../../vault/fido/spawn.ts';
import type { UiInit } from '../../../vault/ui/server.ts';

async function until(cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('condition never held');
}

describe.each<Mode>(['thread', 'worker'])('ui server (%s mode)', (mode) => {
  let kernel: Kernel;
  afterEach(() => kernel.shutdown());

  async function boot(init: UiInit = {}) {
    kernel = new Kernel({ mode });
    await kernel.spawn({ name: 'ui', module: UI_SERVER_MODULE, init });
    return UiClient.connect(kernel.process('app'));
  }

  it('shows the modal with RP, user and countdown; F1 denies, another key approves', async () => {
    const ui = await boot();
    expect((await ui.screen()).modal).toBe(false);
    expect(await ui.status()).toEqual({ state: UpState.Idle, secondsLeft: 0 });
    const first = ui.requestPresence('register', 'example.com', 'alice');
    await until(async () => (await ui.screen()).modal);
    const view = await ui.screen();
    expect(view).toMatchObject({ modal: true, reason: 'register', rp: 'example.com', user: 'alice', queued: 0 });
    expect(view.secondsLeft).toBeGreaterThan(25);
    expect(view.secondsLeft).toBeLessThanOrEqual(30);
    expect((await ui.status()).state).toBe(UpState.UpNeeded);
    expect(await ui.press('F1')).toBe(true);
    expect(await first).toBe(Presence.Denied);
    const second = ui.requestPresence('sign in', 'example.com', '');
    await until(async () => (await ui.screen()).modal);
    expect(await ui.press('Enter')).toBe(true);
    expect(await second).toBe(Presence.Approved);
    expect(await ui.press('Enter')).toBe(false); // nothing on screen
  });

  it('times out', async () => {
    const ui = await boot({ timeoutMs: 50 });
    expect(await ui.requestPresence('register', 'a.example', '')).toBe(Presence.Timeout);
    expect((await ui.screen()).modal).toBe(false);
  });

  it('cancel answers every waiting request', async () => {
    const slow = await boot({ timeoutMs: 60_000 });
    const a = slow.requestPresence('register', 'a.example', '');
    const b = slow.requestPresence('register', 'b.example', '');
    await until(async () => (await slow.screen()).queued === 1);
    expect(await slow.cancel()).toBe(2);
    expect(await a).toBe(Presence.Cancelled);
    expect(await b).toBe(Presence.Cancelled);
    expect((await slow.screen()).modal).toBe(false);
  });

  it('automation: always approve, always deny, scripted answers then manual, with a delay', async () => {
    const ui = await boot({ policy: { mode: PolicyMode.Approve, script: [], delayMs: 0 } });
    expect(await ui.requestPresence('register', 'x', '')).toBe(Presence.Approved);
    await ui.setPolicy({ mode: PolicyMode.Deny });
    expect(await ui.requestPresence('register', 'x', '')).toBe(Presence.Denied);
    await ui.setPolicy({ mode: PolicyMode.Script, script: [Presence.Denied, Presence.Approved], delayMs: 20 });
    expect(await ui.requestPresence('register', 'x', '')).toBe(Presence.Denied);
    const delayed = ui.requestPresence('register', 'x', '');
    // The delay leaves the modal on screen meanwhile, as a user would see it.
    await until(async () => (await ui.screen()).modal);
    expect(await delayed).toBe(Presence.Approved);
    const manual = ui.requestPresence('register', 'x', ''); // script used up: waits for a key
    await until(async () => (await ui.screen()).modal);
    await ui.press('A');
    expect(await manual).toBe(Presence.Approved);
  });

  it('clips names longer than the screen field instead of failing', async () => {
    const ui = await boot({ policy: { mode: PolicyMode.Manual, script: [], delayMs: 0 } });
    const p = ui.requestPresence('register', 'r'.repeat(1000), 'é'.repeat(400));
    await until(async () => (await ui.screen()).modal);
    const v = await ui.screen();
    expect(new TextEncoder().encode(v.rp).length).toBeLessThanOrEqual(256);
    expect(v.user.endsWith('...')).toBe(true);
    await ui.press('F1');
    expect(await p).toBe(Presence.Denied);
  });
});
