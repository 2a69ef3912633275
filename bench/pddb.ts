// PDDB benchmark (`npm run bench -- pddb`): each figure against a floor measured in the same run.
//  - unlock of a secret basis holding 10,000 small keys in a 98 MiB image, time beyond the KDF, against the floor
//    ECB over every PTE (node:crypto) + GCM-SIV decryption of exactly the pages the basis occupies (@noble);
//  - small-key write + sync against GCM-SIV encryption of the pages that sync seals;
//  - flash erases + programs per logical write, ours against the original's policy (in-place rewrite + full sync of
//    every open basis after every write) on the same workload;
//  - format of a 98 MiB image with progress against a raw CSPRNG fill of the same size.
import { randomFillSync } from 'node:crypto';
import { ecbDecrypt } from '../pddb/crypto/ecb.ts';
import { gcmsivDecrypt, gcmsivEncrypt } from '../pddb/crypto/gcmsiv.ts';
import { deriveBasisKeys } from '../pddb/crypto/kdf.ts';
import { PddbEngine } from '../pddb/engine/engine.ts';
import { formatFlash } from '../pddb/engine/format.ts';
import { MemoryFlash } from '../pddb/flash/memory.ts';
import { PAGE_SIZE, PRECURSOR_PDDB_LEN, PTE_SIZE, TEST_PDDB_LEN } from '../pddb/format/constants.ts';
import { decodePte } from '../pddb/format/pte.ts';
import { SeededRandom } from '../lib/random.ts';
import { report, timeUs } from './harness.ts';
import { durabilityBench } from './cases/pddb-durability.ts';
import { largeValueBench } from './cases/pddb-large-value.ts';
import { writeSyncPairedBench } from './cases/pddb-write-sync.ts';

const SUITE = 'pddb';
const PIN = '1234';
const KEYS = 10_000;
const DICTS = 4;
const VALUE = new Uint8Array(64).fill(0x5a);

export async function run(): Promise<void> {
  await formatBench();
  const { flash, keybox, engine } = populatedImage();
  await unlockBench(flash, engine);
  await writeSyncBench(flash, keybox);
  writeSyncPairedBench(flash, keybox);
  flashOpsBench(TEST_PDDB_LEN, '4 MiB');
  flashOpsBench(PRECURSOR_PDDB_LEN, '98 MiB');
  await durabilityBench();
  largeValueBench();
}

function formatted(size: number, seed: string) {
  const flash = new MemoryFlash(size);
  const keybox = formatFlash(flash, { pin: PIN, random: new SeededRandom(seed) });
  return { flash, keybox };
}

async function formatBench(): Promise<void> {
  const flash = new MemoryFlash(PRECURSOR_PDDB_LEN);
  let updates = 0;
  const fmt = await timeUs(
    () => formatFlash(flash, { pin: PIN, random: new SeededRandom('fmt'), onProgress: () => updates++ }),
    { warmup: 1, runs: 3 },
  );
  const raw = new Uint8Array(PRECURSOR_PDDB_LEN);
  const fill = await timeUs(() => randomFillSync(raw), { warmup: 1, runs: 5 });
  report(SUITE, 'format 98 MiB (seeded ChaCha noise, with progress)', fmt / 1000, 'ms', {
    name: 'CSPRNG fill of 98 MiB',
    value: fill / 1000,
  });
  const csprng = new MemoryFlash(PRECURSOR_PDDB_LEN);
  const fmtCsprng = await timeUs(() => formatFlash(csprng, { pin: PIN }), { warmup: 0, runs: 3 });
  report(SUITE, 'format 98 MiB (CSPRNG noise, as in production)', fmtCsprng / 1000, 'ms', {
    name: 'CSPRNG fill of 98 MiB',
    value: fill / 1000,
  });
}

/** A 98 MiB image with a secret basis of 10,000 small keys in 4 dicts, synced; the basis left unlocked. */
function populatedImage() {
  const { flash, keybox } = formatted(PRECURSOR_PDDB_LEN, 'bench');
  const engine = PddbEngine.mount(flash, keybox, PIN, { random: new SeededRandom('bench-mount') });
  engine.createBasis('bench', 'password');
  engine.unlockBasis('bench', 'password');
  for (let i = 0; i < KEYS; i++) {
    const h = engine.get(`dict${i % DICTS}`, `key-${i}`, { createDict: true, createKey: true });
    engine.write(h, 0, VALUE);
  }
  engine.sync();
  return { flash, keybox, engine };
}

async function unlockBench(flash: MemoryFlash, engine: PddbEngine): Promise<void> {
  const keys = engine.exportKeys().find((b) => b.name === 'bench')!.keys;
  const layout = engine.layout;
  const table = flash.read(layout.ptOffset, layout.dataPages * PTE_SIZE);
  // The basis's pages, found the way mount finds them, for the floor.
  const plain = ecbDecrypt(keys.pt, table);
  const pages: number[] = [];
  for (let phys = 0; phys < layout.dataPages; phys++) if (decodePte(plain, phys * PTE_SIZE)) pages.push(phys);
  const saltBase = new SeededRandom('salt').fill(new Uint8Array(4012));
  const kdf = await timeUs(() => deriveBasisKeys(saltBase, 'bench', 'password'), { warmup: 2, runs: 9 });
  const aad = new Uint8Array(20);
  const floor = await timeUs(
    () => {
      ecbDecrypt(keys.pt, flash.read(layout.ptOffset, layout.dataPages * PTE_SIZE));
      for (const phys of pages) {
        const page = flash.read(layout.dataOffset + phys * PAGE_SIZE, PAGE_SIZE);
        gcmsivDecrypt(keys.data, page.subarray(0, 12), page.subarray(12), aad);
      }
    },
    { warmup: 1, runs: 5 },
  );
  engine.lockBasis('bench');
  const unlock = await timeUs(
    () => {
      engine.unlockBasis('bench', 'password');
      engine.lockBasis('bench');
    },
    { warmup: 1, runs: 7 },
  );
  const unlockList = await timeUs(
    () => {
      engine.unlockBasis('bench', 'password');
      for (let d = 0; d < DICTS; d++) engine.listKeys(`dict${d}`, 'bench');
      engine.lockBasis('bench');
    },
    { warmup: 1, runs: 7 },
  );
  const floorName = `floor: ECB over ${layout.dataPages} PTEs + GCM-SIV of the basis's ${pages.length} pages`;
  report(SUITE, `unlock, 10k small keys, beyond the KDF (${kdf.toFixed(0)} us)`, (unlock - kdf) / 1000, 'ms', {
    name: floorName,
    value: floor / 1000,
  });
  report(SUITE, 'unlock + list every key, beyond the KDF', (unlockList - kdf) / 1000, 'ms', {
    name: floorName,
    value: floor / 1000,
  });
  engine.unlockBasis('bench', 'password');
}

async function writeSyncBench(flash: MemoryFlash, keybox: Uint8Array): Promise<void> {
  // Production randomness (the CSPRNG): the seeded stream of tests costs more per scrubbed page.
  const engine = PddbEngine.mount(MemoryFlash.from(flash.snapshot()), keybox, PIN);
  engine.unlockBasis('bench', 'password');
  let i = 0;
  const before = engine.stats;
  const op = await timeUs(
    () => {
      const h = engine.get('dict0', `new-${i++}`, { createKey: true });
      engine.write(h, 0, VALUE);
      engine.sync();
    },
    { warmup: 20, runs: 200 },
  );
  const after = engine.stats;
  const sealedPerOp = (after.sealed - before.sealed) / i;
  const key = new Uint8Array(32).fill(1);
  const page = new Uint8Array(4068);
  const seal = await timeUs(() => gcmsivEncrypt(key, new Uint8Array(12), page, new Uint8Array(20)), {
    warmup: 20,
    runs: 200,
  });
  report(SUITE, `small-key write + sync (${sealedPerOp.toFixed(2)} pages sealed per op)`, op, 'us', {
    name: 'GCM-SIV encryption of as many 4 KiB pages',
    value: seal * sealedPerOp,
  });
}

/**
 * The same small-key workload under our policy and the original's: flash erases + programs per logical write. The
 * device size matters: a page-table page covers 256 data pages, so on 98 MiB a sync's entries fall in more table
 * pages than on 4 MiB (4 table pages), and each table page updated costs an MBBB cycle.
 */
function flashOpsBench(size: number, label: string): void {
  const perWrite = (policy: 'ours' | 'original') => {
    const { flash, keybox } = formatted(size, 'ops');
    const engine = PddbEngine.mount(flash, keybox, PIN, {
      random: new SeededRandom('ops'),
      syncPolicy: policy === 'original' ? 'original' : 'copy-on-write',
    });
    engine.createBasis('b', 'pw');
    engine.unlockBasis('b', 'pw');
    for (let i = 0; i < 50; i++)
      engine.write(engine.get('d', `warm-${i}`, { createDict: true, createKey: true }), 0, VALUE);
    engine.sync();
    const s0 = flash.stats;
    const writes = 200;
    for (let i = 0; i < writes; i++) {
      engine.write(engine.get('d', `k-${i % 100}`, { createKey: true }), 0, VALUE);
      if (policy === 'ours') engine.sync();
    }
    const s1 = flash.stats;
    return { erases: (s1.erases - s0.erases) / writes, programs: (s1.programs - s0.programs) / writes };
  };
  const ours = perWrite('ours');
  const original = perWrite('original');
  report(SUITE, `flash erases per small write: ours vs original policy (${label})`, ours.erases, 'erases', {
    name: "original's in-place policy",
    value: original.erases,
  });
  report(SUITE, `flash programs per small write: ours vs original policy (${label})`, ours.programs, 'programs', {
    name: "original's in-place policy",
    value: original.programs,
  });
}
