// What reaches flash per ceremony, counted on the flash itself (FaultyFlash's op counter, no cut): once the basis has
// its master keys and the counter its reservation, a non-resident makeCredential and a getAssertion write nothing;
// a resident makeCredential does (its record is synced before the answer).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kernel } from '../../../transports/ipc/index.ts';
import { Pddb } from '../../../pddb/index.ts';
import { FidoClient } from '../../../vault/fido/api.ts';
import { startAuthenticator } from '../../../vault/fido/in-process.ts';
import { spawnAuthenticator } from '../../../vault/fido/spawn.ts';
import { UiClient } from '../../../vault/ui/client.ts';
import { PolicyMode } from '../../../vault/ui/api.ts';
import { FLASH_OPS_SERVER, flashOps } from './faulty-pddb.process.ts';
import { authenticate, register } from './platform.ts';

const PIN = '2468';
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pvault-fido-writes-'));
  const dev = await startAuthenticator({
    image: { path: join(dir, 'pddb.bin') },
    keyboxPath: join(dir, 'keybox.bin'),
    format: true,
    pin: PIN,
  });
  await dev.shutdown();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flash writes per ceremony', () => {
  it('none for non-resident registrations and sign-ins once keys and counter reservation exist; some for a resident one', async () => {
    const kernel = new Kernel({ mode: 'thread' });
    try {
      const init = { image: join(dir, 'pddb.bin'), keybox: join(dir, 'keybox.bin') };
      await kernel.spawn({ name: 'pddb', module: new URL('./faulty-pddb.process.ts', import.meta.url), init });
      const shell = kernel.process('shell');
      const ops = await shell.connect(FLASH_OPS_SERVER, { api: flashOps });
      await (await Pddb.connect(shell)).tryMount(PIN);
      await spawnAuthenticator(kernel, { seed: 'writes' });
      await (await UiClient.connect(shell)).setPolicy({ mode: PolicyMode.Approve });
      const fido = await FidoClient.connect(shell);
      const flashOpsNow = async () => (await ops.blockingScalar(1))[0];

      const start = await flashOpsNow();
      const first = await register(fido); // new master keys and the first counter reservation: written
      if (!first.ok) throw new Error(`makeCredential ${first.status}`);
      const settled = await flashOpsNow();
      expect(settled).toBeGreaterThan(start);

      for (let i = 0; i < 5; i++) {
        const reg = await register(fido, { userId: Uint8Array.of(i) });
        if (!reg.ok) throw new Error(`makeCredential ${reg.status}`);
        const a = await authenticate(fido, { allow: [reg.id] });
        expect(a.status).toBe(0);
      }
      expect(await flashOpsNow()).toBe(settled);

      const resident = await register(fido, { rk: true, userId: Uint8Array.of(9) });
      expect(resident.status).toBe(0);
      expect(await flashOpsNow()).toBeGreaterThan(settled);
    } finally {
      await kernel.shutdown();
    }
  }, 60_000);
});
