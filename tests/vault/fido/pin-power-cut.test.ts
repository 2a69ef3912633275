// A wrong PIN guess with the power cut at every point of its flash writes (FaultyFlash): the retry counter is made
// durable before the PIN is compared, so either the guess was never judged (no PIN_INVALID came back) or it cost
// a retry that no power cut gives back. The image always mounts again.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kernel } from '../../../transports/ipc/index.ts';
import { Pddb } from '../../../pddb/index.ts';
import { FidoClient } from '../../../vault/fido/api.ts';
import { startAuthenticator } from '../../../vault/fido/in-process.ts';
import { spawnAuthenticator } from '../../../vault/fido/spawn.ts';
import { CtapStatus as S } from '../../../vault/fido/status.ts';
import { PolicyMode } from '../../../vault/ui/api.ts';
import { FLASH_OPS_SERVER, flashOps } from './faulty-pddb.process.ts';
import { PinSession, retries } from './platform.ts';

const PIN = '2468';
const FIDO_PIN = '97531';
let root: string;
let template: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pvault-fido-cut-'));
  template = join(root, 'template');
  mkdirSync(template);
  const dev = await startAuthenticator({
    image: { path: join(template, 'pddb.bin') },
    keyboxPath: join(template, 'keybox.bin'),
    format: true,
    pin: PIN,
  });
  try {
    await dev.ui.setPolicy({ mode: PolicyMode.Approve });
    expect(await new PinSession(dev.fido, 2).setPin(FIDO_PIN)).toBe(0);
  } finally {
    await dev.shutdown();
  }
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function copy(name: string): string {
  const dir = join(root, name);
  cpSync(template, dir, { recursive: true });
  return dir;
}

/** Boot on a FaultyFlash, make one wrong guess; the answer's status (undefined: no answer), and the op counts. */
async function guessWithCut(
  dir: string,
  cutAfterOps?: number,
): Promise<{ status?: number; before: number; after: number; cut: boolean }> {
  const kernel = new Kernel({ mode: 'thread' });
  try {
    const init = { image: join(dir, 'pddb.bin'), keybox: join(dir, 'keybox.bin'), cutAfterOps };
    await kernel.spawn({ name: 'pddb', module: new URL('./faulty-pddb.process.ts', import.meta.url), init });
    const shell = kernel.process('shell');
    const ops = await shell.connect(FLASH_OPS_SERVER, { api: flashOps });
    try {
      await (await Pddb.connect(shell)).tryMount(PIN);
    } catch {
      return { before: 0, after: 0, cut: true };
    }
    await spawnAuthenticator(kernel);
    const session = new PinSession(await FidoClient.connect(shell), 2);
    await session.agree();
    const [before] = await ops.blockingScalar(1);
    const status = await session.getToken('00000').catch(() => undefined);
    const [after, cut] = await ops.blockingScalar(1);
    return { status, before, after, cut: cut === 1 };
  } finally {
    await kernel.shutdown();
  }
}

async function retriesAfterReboot(dir: string): Promise<number> {
  const dev = await startAuthenticator({
    image: { path: join(dir, 'pddb.bin') },
    keyboxPath: join(dir, 'keybox.bin'),
    format: false,
    pin: PIN,
  });
  try {
    return await retries(dev.fido);
  } finally {
    await dev.shutdown();
  }
}

describe('PIN retries under power cuts', () => {
  it('a wrong guess is judged only after its retry is on flash, at every cut point', async () => {
    const clean = await guessWithCut(copy('clean'));
    expect(clean.status).toBe(S.PinInvalid);
    expect(await retriesAfterReboot(join(root, 'clean'))).toBe(7);
    const span = clean.after - clean.before;
    expect(span).toBeGreaterThan(0);
    // Every op of the guess when they are few; else an even spread that keeps the first and the last.
    const points =
      span <= 10
        ? [...Array(span).keys()]
        : [...new Set([...Array(10).keys()].map((i) => Math.round((i * (span - 1)) / 9)))];
    const seen = new Set<number>();
    for (const k of points) {
      const dir = copy(`cut-${k}`);
      const r = await guessWithCut(dir, clean.before + k);
      expect(r.cut, `the power was cut after ${k} of ${span} ops`).toBe(true);
      expect(r.status, `cut after ${k} of ${span} ops`).not.toBe(S.PinInvalid);
      const left = await retriesAfterReboot(dir);
      expect([7, 8], `cut after ${k} of ${span} ops`).toContain(left);
      seen.add(left);
    }
    // Early cuts leave the retry unspent, late ones spend it: both sides of the commit point were hit.
    expect([...seen].sort()).toEqual([7, 8]);
  }, 120_000);
});
