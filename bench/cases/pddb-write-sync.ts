// Small-key write + sync against the GCM-SIV work it does (a PDDB case of `npm run bench -- pddb`), in paired
// samples: each op is timed, then at once the encryption of as many 4 KiB pages as that op sealed. Load on a shared
// machine then weighs on both halves of a pair alike (a block of ops timed before a block of encryptions, as the
// older figure beside it is, swings 2-10x on a busy machine). Production randomness (the CSPRNG), 98 MiB image.
// Two floors: the data and root pages the op sealed (engine.stats, the older figure's floor), and those plus the
// FastSpace master records it rewrote (each a GCM-SIV seal of two pages, counted from the FSCB's page programs).
import { performance } from 'node:perf_hooks';
import { gcmsivEncrypt } from '../../pddb/crypto/gcmsiv.ts';
import { PddbEngine } from '../../pddb/engine/engine.ts';
import { MemoryFlash } from '../../pddb/flash/memory.ts';
import { PAGE_SIZE } from '../../pddb/format/constants.ts';
import { FSCB_PAGES } from '../../pddb/format/layout.ts';
import { median, report } from '../harness.ts';

const SUITE = 'pddb';
const PIN = '1234';
const VALUE = new Uint8Array(64).fill(0x5a);
const WARMUP = 20;
const SAMPLES = 300;

/** `image` holds basis 'bench' (password 'password') with dict 'dict0'. */
export function writeSyncPairedBench(image: MemoryFlash, keybox: Uint8Array): void {
  const flash = MemoryFlash.from(image.snapshot());
  const engine = PddbEngine.mount(flash, keybox, PIN);
  engine.unlockBasis('bench', 'password');
  const fscb = Array.from({ length: FSCB_PAGES }, (_, i) => engine.layout.fscbOffset / PAGE_SIZE + i);
  const masterPages = () => fscb.reduce((n, sector) => n + flash.sectorWear(sector).programs, 0);
  const key = new Uint8Array(32).fill(1);
  const nonce = new Uint8Array(12);
  const plain = new Uint8Array(4068); // journal + 4064 bytes: what a data page seals
  const aad = new Uint8Array(20);
  const ops: number[] = [];
  const floors: number[] = [];
  const withMaster: number[] = [];
  const ratios: number[] = [];
  let sealed = 0;
  let master = 0;
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const before = engine.stats.sealed;
    const masterBefore = masterPages();
    const t0 = performance.now();
    const h = engine.get('dict0', `paired-${i}`, { createKey: true });
    engine.write(h, 0, VALUE);
    engine.sync();
    const t1 = performance.now();
    const pages = engine.stats.sealed - before;
    const masters = masterPages() - masterBefore;
    for (let p = 0; p < pages; p++) gcmsivEncrypt(key, nonce, plain, aad);
    const t2 = performance.now();
    for (let p = 0; p < masters; p++) gcmsivEncrypt(key, nonce, plain, aad);
    const t3 = performance.now();
    if (i < WARMUP) continue;
    ops.push((t1 - t0) * 1000);
    floors.push((t2 - t1) * 1000);
    withMaster.push((t3 - t1) * 1000);
    ratios.push((t1 - t0) / (t2 - t1));
    sealed += pages;
    master += masters;
  }
  engine.close();
  const [p10, p90] = [percentile(ratios, 0.1), percentile(ratios, 0.9)];
  report(
    SUITE,
    `small-key write + sync, paired samples (${(sealed / SAMPLES).toFixed(2)} pages sealed per op; ratio per pair: median ${median(ratios).toFixed(2)}, p10-p90 ${p10.toFixed(2)}-${p90.toFixed(2)})`,
    median(ops),
    'us',
    { name: 'GCM-SIV encryption of the pages the same op sealed, timed right after it', value: median(floors) },
  );
  report(
    SUITE,
    `small-key write + sync, paired samples, every GCM-SIV page counted (${((sealed + master) / SAMPLES).toFixed(2)} per op, FastSpace master pages included)`,
    median(ops),
    'us',
    {
      name: 'GCM-SIV encryption of the data, root and FastSpace master pages the same op sealed',
      value: median(withMaster),
    },
  );
}

function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
