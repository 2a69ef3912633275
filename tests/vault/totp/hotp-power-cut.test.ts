// HOTP never hands out a code twice, whatever instant the power is cut: the counter is synced before the code
// leaves the server. Every flash mutation of one Code request is cut in turn, then the device reboots.
import { afterEach, describe, expect, it } from 'vitest';
import { Kernel } from '../../../transports/ipc/index.ts';
import { Pddb } from '../../../pddb/index.ts';
import { TEST_PDDB_LEN } from '../../../pddb/format/constants.ts';
import { TotpClient } from '../../../vault/totp/client.ts';
import { flashes, keyboxes, type FaultyInit } from './faulty-pddb.ts';

const PIN = '1357';
let kernel: Kernel | undefined;
afterEach(async () => {
  await kernel?.shutdown();
  kernel = undefined;
});

async function boot(init: FaultyInit) {
  kernel = new Kernel({ mode: 'thread' });
  await kernel.spawn({ name: 'pddb', module: new URL('./faulty-pddb.ts', import.meta.url), init });
  const shell = kernel.process('shell');
  const pddb = await Pddb.connect(shell);
  if (!init.image) await pddb.format(PIN, TEST_PDDB_LEN);
  await pddb.tryMount(PIN);
  await kernel.spawn({ name: 'totp', module: new URL('../../../vault/totp/server.ts', import.meta.url), init: {} });
  return { totp: await TotpClient.connect(shell), flash: flashes[flashes.length - 1] };
}

async function powerOff() {
  await kernel!.shutdown();
  kernel = undefined;
}

describe('HOTP counter under power cuts', () => {
  it('a cut at any flash operation of a Code request never lets a code be reused', async () => {
    const first = await boot({});
    await first.totp.add({
      name: 'h',
      secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
      issuer: '',
      algorithm: 'SHA1',
      digits: 6,
      timestep: 0,
      hotp: true,
      notes: '',
    });
    const image = first.flash.read(0, first.flash.size);
    const keybox = keyboxes[keyboxes.length - 1];
    await powerOff();

    // Learn how many flash mutations one Code request makes (mount writes nothing).
    const probe = await boot({ image, keybox });
    const before = probe.flash.opsSoFar;
    expect(await probe.totp.code('h')).toMatchObject({ code: '755224', counter: 0 });
    const ops = probe.flash.opsSoFar - before;
    expect(ops).toBeGreaterThan(0);
    await powerOff();

    const step = Math.max(1, Math.floor(ops / 24));
    for (let cut = before; cut < before + ops; cut += step) {
      const run = await boot({ image, keybox, cutAfterOps: cut });
      const got = await run.totp.code('h').then(
        (c) => c,
        () => undefined,
      );
      const survivor = run.flash.read(0, run.flash.size);
      await powerOff();
      const after = await boot({ image: survivor, keybox });
      const next = await after.totp.code('h');
      // Every mutation of the request comes before its answer: a cut anywhere means no code left the server.
      expect(got, `cut at op ${cut}: a code left before its counter was on flash`).toBeUndefined();
      // After the reboot the counter is the old one (that code was never shown) or one past it (skipped): never a
      // counter that was already shown. Counter 0 was shown by nobody in this run.
      expect([0, 1], `cut at op ${cut}`).toContain(next.counter);
      await powerOff();
    }
  }, 120_000);
});
