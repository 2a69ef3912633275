// Vault benchmark (`npm run bench -- vault`): the vault apps over IPC against the floor of the same work done
// without them, measured in the same run.
//  - list (and filter) 10,000 password entries right after unlocking their basis, through vault.passwords ->
//    PDDB server, against unlock + list + read + decode straight from the engine (target: at most 2x; the original
//    took about 8 s for 300 entries on the device);
//  - TOTP codes for 1,000 entries through vault.totp against raw otplib calls;
//  - one import of 10,000 otpauth URIs (parse, check, store, one sync) against 10,000 raw batched PDDB writes + a
//    sync through the same Pddb client.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSync } from 'otplib';
import { Kernel } from '../transports/ipc/index.ts';
import { Pddb, PDDB_SERVER_MODULE } from '../pddb/index.ts';
import { PddbEngine } from '../pddb/engine/engine.ts';
import { formatFlash } from '../pddb/engine/format.ts';
import { MemoryFlash } from '../pddb/flash/memory.ts';
import { SeededRandom } from '../lib/random.ts';
import { vaultApps } from '../vault/apps.ts';
import {
  decodePasswordRecord,
  encodePasswordRecord,
  PASSWORD_DICT,
  passwordKeyName,
} from '../vault/passwords/record.ts';
import { parseImport } from '../vault/transfer/import.ts';
import { report, timeUs } from './harness.ts';

const SUITE = 'vault';
const PIN = '1234';
const ENTRIES = 10_000;
const CODES = 1_000;
const IMAGE = 64 * 1024 * 1024;

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pvault-bench-'));
  try {
    const { flash, keybox, engine } = passwordImage();
    await listBench(dir, flash, keybox, engine);
    await codesAndImportBench(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A PDDB whose basis 'bench' holds 10,000 password records in the original's format. */
function passwordImage() {
  const flash = new MemoryFlash(IMAGE);
  const keybox = formatFlash(flash, { pin: PIN, random: new SeededRandom('vault-bench') });
  const engine = PddbEngine.mount(flash, keybox, PIN, { random: new SeededRandom('vault-bench-mount') });
  engine.createBasis('bench', 'password');
  engine.unlockBasis('bench', 'password');
  for (let i = 0; i < ENTRIES; i++) {
    const r = {
      version: 1,
      description: `site-${i}.example`,
      username: `user${i % 97}`,
      password: `pw-${i}-secret`,
      notes: i % 10 === 0 ? 'work' : '',
      ctime: 1,
      atime: 0,
      count: 0,
      extra: [],
    };
    const h = engine.get(PASSWORD_DICT, passwordKeyName(r.description, r.username), {
      createDict: true,
      createKey: true,
    });
    engine.write(h, 0, encodePasswordRecord(r));
  }
  engine.sync();
  return { flash, keybox, engine };
}

async function boot(dir: string, name: string, image?: { flash: MemoryFlash; keybox: Uint8Array }) {
  const imagePath = join(dir, `${name}.bin`);
  const keyboxPath = join(dir, `${name}.keybox`);
  const kernel = new Kernel({ mode: 'thread' });
  if (image) {
    writeFileSync(imagePath, image.flash.snapshot());
    writeFileSync(keyboxPath, image.keybox);
  }
  await kernel.spawn({
    name: 'pddb',
    module: PDDB_SERVER_MODULE,
    init: { image: { path: imagePath }, keyboxPath, seed: name },
  });
  const shell = kernel.process('bench');
  const pddb = await Pddb.connect(shell);
  if (!image) await pddb.format(PIN, IMAGE);
  await pddb.tryMount(PIN);
  return { kernel, pddb, apps: await vaultApps(kernel, shell, undefined) };
}

async function listBench(dir: string, flash: MemoryFlash, keybox: Uint8Array, engine: PddbEngine): Promise<void> {
  engine.lockBasis('bench');
  const floor = await timeUs(
    () => {
      engine.unlockBasis('bench', 'password');
      let hits = 0;
      for (const key of engine.listKeys(PASSWORD_DICT, 'bench')) {
        const r = decodePasswordRecord(engine.readAll(engine.get(PASSWORD_DICT, key, { basis: 'bench' })));
        if (r.notes.includes('work')) hits++;
      }
      engine.lockBasis('bench');
      if (hits !== ENTRIES / 10) throw new Error('floor read the wrong entries');
    },
    { warmup: 1, runs: 5 },
  );
  const { kernel, pddb, apps } = await boot(dir, 'list', { flash, keybox });
  try {
    const vault = await timeUs(
      async () => {
        await pddb.unlockBasis('bench', 'password');
        const all = await apps.passwords.list();
        const work = await apps.passwords.list('work');
        await pddb.lockBasis('bench');
        if (all.entries.length !== ENTRIES || work.entries.length !== ENTRIES / 10)
          throw new Error('vault listed the wrong entries');
      },
      { warmup: 1, runs: 5 },
    );
    // Where the time goes: the PDDB's own bulk read of the dict over IPC, without the vault server.
    const bulk = await timeUs(
      async () => {
        await pddb.unlockBasis('bench', 'password');
        await pddb.readDict(PASSWORD_DICT);
        await pddb.lockBasis('bench');
      },
      { warmup: 0, runs: 3 },
    );
    // The vault server's own share: the same list answered from its cache (no PDDB read), paged over IPC.
    await pddb.unlockBasis('bench', 'password');
    await apps.passwords.list();
    const cached = await timeUs(() => apps.passwords.list(), { warmup: 1, runs: 5 });
    await pddb.lockBasis('bench');
    const floorName = 'engine: unlock + list + read + decode every key, no IPC';
    report(SUITE, `share of it: unlock + Pddb.readDict of the ${ENTRIES} records over IPC`, bulk / 1000, 'ms', {
      name: floorName,
      value: floor / 1000,
    });
    report(
      SUITE,
      `share of it: the ${ENTRIES} entries listed again from vault.passwords' cache (no PDDB read)`,
      cached / 1000,
      'ms',
      { name: floorName, value: floor / 1000 },
    );
    report(SUITE, `unlock + list + filter ${ENTRIES} password entries over IPC`, vault / 1000, 'ms', {
      name: floorName,
      value: floor / 1000,
    });
    report(SUITE, `per entry (the original: ~27 ms each, 300 in ~8 s on the device)`, vault / ENTRIES, 'us');
  } finally {
    await kernel.shutdown();
  }
}

async function codesAndImportBench(dir: string): Promise<void> {
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  const uris = Array.from(
    { length: ENTRIES },
    (_, i) => `otpauth://totp/Svc${i % 50}:user${i}@example.com?secret=${secret}&issuer=Svc${i % 50}`,
  ).join('\n');
  const { kernel, pddb, apps } = await boot(dir, 'import');
  try {
    const t0 = performance.now();
    const parsed = parseImport(new TextEncoder().encode(uris));
    const r = await apps.totp.import(parsed.totp);
    const imported = (performance.now() - t0) * 1000;
    if (r.added !== ENTRIES) throw new Error('import lost entries');
    const rawStart = performance.now();
    const value = new TextEncoder().encode(
      `version:2\nsecret:${secret}\nname:raw\nalgorithm:SHA1\nnotes:\ndigits:6\ntimestep:30\nhotp:0\nctime:1\n`,
    );
    for (let i = 0; i < ENTRIES; i++) {
      const h = await pddb.get('bench.raw', `raw-${i}`, { createDict: true, createKey: true, batched: true });
      await h.write(value);
      await h.close();
    }
    await pddb.sync();
    const raw = (performance.now() - rawStart) * 1000;
    report(SUITE, `import ${ENTRIES} otpauth URIs (parse + check + store + one sync)`, imported / 1000, 'ms', {
      name: `${ENTRIES} raw batched PDDB writes + sync, same client`,
      value: raw / 1000,
    });

    const names = parsed.totp.slice(0, CODES).map((t) => t.name);
    const viaVault = await timeUs(
      async () => {
        for (const n of names) await apps.totp.code(n, { at: 1_700_000_000 });
      },
      { warmup: 1, runs: 3 },
    );
    const bytes = new TextEncoder().encode('12345678901234567890123456789012').slice(0, 20);
    const direct = await timeUs(
      () => {
        for (let i = 0; i < CODES; i++) generateSync({ secret: bytes, epoch: 1_700_000_000 });
      },
      { warmup: 1, runs: 3 },
    );
    report(SUITE, `TOTP codes for ${CODES} entries via vault.totp`, viaVault / 1000, 'ms', {
      name: `${CODES} raw otplib generateSync`,
      value: direct / 1000,
    });
  } finally {
    await kernel.shutdown();
  }
}
