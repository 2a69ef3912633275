// The global signature counter's reservation under power cuts (FaultyFlash): the authenticator persists a ceiling
// and hands out counters below it from memory, so a cut at any flash op of a run of sign-ins must leave the next
// boot counting strictly above every counter that came out before the cut (and after it, while the flash was dead).
// A small reservation (16) makes the runs cross several ceilings.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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
const fido = { counterReservation: 16 };
const SIGN_INS = 10;
let root: string;
let template: string;
let credentialId: Uint8Array;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pvault-fido-counter-cut-'));
  template = join(root, 'template');
  mkdirSync(template);
  const dev = await startAuthenticator({
    image: { path: join(template, 'pddb.bin') },
    keyboxPath: join(template, 'keybox.bin'),
    format: true,
    pin: PIN,
    fido,
  });
  try {
    await dev.ui.setPolicy({ mode: PolicyMode.Approve });
    const reg = await register(dev.fido);
    if (!reg.ok) throw new Error(`makeCredential ${reg.status}`);
    credentialId = reg.id;
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

const counterOf = (authData: string) => Buffer.from(authData, 'base64url').readUInt32BE(33);

/** Boot on a FaultyFlash and sign in SIGN_INS times; every counter that came back, and the flash ops they took. */
async function signInsWithCut(
  dir: string,
  cutAfterOps?: number,
): Promise<{ counters: number[]; before: number; after: number; cut: boolean }> {
  const kernel = new Kernel({ mode: 'thread' });
  try {
    const init = { image: join(dir, 'pddb.bin'), keybox: join(dir, 'keybox.bin'), cutAfterOps };
    await kernel.spawn({ name: 'pddb', module: new URL('./faulty-pddb.process.ts', import.meta.url), init });
    const shell = kernel.process('shell');
    const ops = await shell.connect(FLASH_OPS_SERVER, { api: flashOps });
    try {
      await (await Pddb.connect(shell)).tryMount(PIN);
    } catch {
      return { counters: [], before: 0, after: 0, cut: true };
    }
    // Seeded: the counter's steps, so the ceilings crossed and the flash ops taken, are the same on every copy.
    await spawnAuthenticator(kernel, { seed: 'counter-cut', fido });
    await (await UiClient.connect(shell)).setPolicy({ mode: PolicyMode.Approve });
    const client = await FidoClient.connect(shell);
    const [before] = await ops.blockingScalar(1);
    const counters: number[] = [];
    for (let i = 0; i < SIGN_INS; i++) {
      const a = await authenticate(client, { allow: [credentialId] }).catch(() => undefined);
      if (a?.ok) counters.push(counterOf(a.json.response.authenticatorData));
    }
    const [after, cut] = await ops.blockingScalar(1);
    return { counters, before, after, cut: cut === 1 };
  } finally {
    await kernel.shutdown();
  }
}

async function counterAfterReboot(dir: string): Promise<number> {
  const dev = await startAuthenticator({
    image: { path: join(dir, 'pddb.bin') },
    keyboxPath: join(dir, 'keybox.bin'),
    format: false,
    pin: PIN,
    fido,
  });
  try {
    await dev.ui.setPolicy({ mode: PolicyMode.Approve });
    const a = await authenticate(dev.fido, { allow: [credentialId] });
    if (!a.ok) throw new Error(`getAssertion after reboot: ${a.status}`);
    return counterOf(a.json.response.authenticatorData);
  } finally {
    await dev.shutdown();
  }
}

describe('signature counter reservation under power cuts', () => {
  it('a clean run writes only when it crosses a ceiling, and its counters rise by 1..8', async () => {
    const clean = await signInsWithCut(copy('clean'));
    expect(clean.cut).toBe(false);
    expect(clean.counters).toHaveLength(SIGN_INS);
    for (let i = 1; i < SIGN_INS; i++) expect(clean.counters[i] - clean.counters[i - 1]).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < SIGN_INS; i++) expect(clean.counters[i] - clean.counters[i - 1]).toBeLessThanOrEqual(8);
    expect(clean.after).toBeGreaterThan(clean.before);
    expect(await counterAfterReboot(join(root, 'clean'))).toBeGreaterThan(Math.max(...clean.counters));
  }, 60_000);

  it('after a cut at any flash op of the run, the next counter is above every counter handed out', async () => {
    const clean = await signInsWithCut(copy('span'));
    const span = clean.after - clean.before;
    // Every op when they are few; else an even spread that keeps the first and the last.
    const points =
      span <= 24
        ? [...Array(span).keys()]
        : [...new Set([...Array(24).keys()].map((i) => Math.round((i * (span - 1)) / 23)))];
    let cutsMidRun = 0;
    for (const k of points) {
      const dir = copy(`cut-${k}`);
      const r = await signInsWithCut(dir, clean.before + k);
      expect(r.cut, `the power was cut after ${k} of ${span} ops`).toBe(true);
      if (r.counters.length > 0 && r.counters.length < SIGN_INS) cutsMidRun++;
      const next = await counterAfterReboot(dir);
      for (const c of r.counters) expect(next, `cut after ${k} of ${span} ops`).toBeGreaterThan(c);
    }
    // Some cuts landed between sign-ins that succeeded and ones that could not persist a ceiling.
    expect(cutsMidRun).toBeGreaterThan(0);
  }, 180_000);
});
