// Format: lay a fresh PDDB over the whole flash (hw.rs pddb_format). Written as a generator so a caller across
// IPC can drive it one chunk at a time and show progress: filling 98 MiB with noise is the slow part.
import type { BasisKeys } from '../crypto/kdf.ts';
import { SALT_BASE_LEN } from '../crypto/kdf.ts';
import type { Flash } from '../flash/flash.ts';
import { PAGE_SIZE, SYSTEM_BASIS_NAME } from '../format/constants.ts';
import { encodeKeyPage } from '../format/keypage.ts';
import { computeLayout } from '../format/layout.ts';
import { createKeybox } from '../keys/keybox.ts';
import { wrapSystemKeys } from '../keys/rootkeys.ts';
import { defaultRandom, randomBytes, type Random } from '../../lib/random.ts';
import { Basis } from './basis.ts';
import { Catalog } from './catalog.ts';
import { FastSpace } from './fastspace.ts';
import { PageTable } from './pagetable.ts';
import type { Store } from './store.ts';

export interface FormatParams {
  pin: string;
  random?: Random;
  /** The device DNA in every page's AAD; hosted images and the original's tools use 0. */
  dna?: bigint;
}

export interface FormatProgress {
  done: number;
  total: number;
}

/** Data pages filled per step. */
const STEP_PAGES = 1024;

/**
 * Yields progress while the data region fills with noise; returns the keybox (1024 bytes) that the boot PIN
 * unlocks. The image is usable only once the generator has returned.
 */
export function* formatSteps(flash: Flash, params: FormatParams): Generator<FormatProgress, Uint8Array> {
  const random = params.random ?? defaultRandom;
  const dna = params.dna ?? 0n;
  const layout = computeLayout(flash.size);
  // Erase everything, then fill every data page with noise, so used and free pages look alike from day one.
  for (let s = 0; s < flash.size / PAGE_SIZE; s++) flash.erase(s);
  const chunk = new Uint8Array(STEP_PAGES * PAGE_SIZE);
  for (let p = 0; p < layout.dataPages; p += STEP_PAGES) {
    const n = Math.min(STEP_PAGES, layout.dataPages - p);
    random.fill(chunk.subarray(0, n * PAGE_SIZE));
    for (let i = 0; i < n; i++)
      flash.program(layout.dataOffset + (p + i) * PAGE_SIZE, chunk.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE));
    yield { done: p + n, total: layout.dataPages };
  }
  const pt = PageTable.format(flash, layout, random);
  const { keybox, user0Key } = createKeybox(params.pin, random);
  const system: BasisKeys = { pt: randomBytes(random, 32), data: randomBytes(random, 32) };
  const wrapped = wrapSystemKeys(user0Key, system);
  user0Key.fill(0);
  flash.program(
    layout.keyPageOffset,
    encodeKeyPage({
      wrappedPt: wrapped.ptWrapped40,
      wrappedData: wrapped.dataWrapped40,
      saltBase: randomBytes(random, SALT_BASE_LEN),
    }),
  );
  const allPages = Array.from({ length: layout.dataPages }, (_, i) => i);
  const space = FastSpace.create(
    flash,
    layout,
    { pt: system.pt.slice(), data: system.data.slice() },
    dna,
    random,
    allPages,
  );
  const store: Store = {
    flash,
    layout,
    pt,
    space,
    random,
    dna,
    inUse: new Set(),
    policy: 'copy-on-write',
    allBasesPresent: true,
    stats: { sealed: 0 },
  };
  const root = Basis.create(SYSTEM_BASIS_NAME, system, store);
  new Catalog(root).sync();
  space.flush(); // the pages that commit took out of FastSpace and did not use are listed again
  root.close();
  flash.sync();
  return keybox;
}

/** Format in one call, reporting progress to `onProgress`. */
export function formatFlash(
  flash: Flash,
  params: FormatParams & { onProgress?: (p: FormatProgress) => void },
): Uint8Array {
  const steps = formatSteps(flash, params);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    params.onProgress?.(r.value);
  }
}
