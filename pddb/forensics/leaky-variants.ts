// Deliberately leaky engines, for the lab's power checks only: a distinguisher that cannot tell these worlds apart
// measures nothing. Two are engine options (FastSpace keeping Used records; allocation in address order); three are
// applied to the finished image by its owner, which is faithful because each only changes bytes the adversary reads
// and no later step of the workload reads them back:
//   marker  a hidden basis's first page carries a plaintext tag (an engine writing a cleartext header);
//   zeroed  every page no basis maps holds zeros instead of noise (an engine scrubbing and formatting with zeros);
//   nonce   every page of a hidden basis has the same nonce (a per-basis nonce that never advances).
import type { BasisKeys } from '../crypto/kdf.ts';
import type { EngineOptions } from '../engine/engine.ts';
import { PageTable } from '../engine/pagetable.ts';
import { MemoryFlash } from '../flash/memory.ts';
import { NONCE_SIZE, PAGE_SIZE } from '../format/constants.ts';
import { computeLayout, dataPageOffset } from '../format/layout.ts';
import { SeededRandom } from '../../lib/random.ts';

export const LEAKY_VARIANTS = ['none', 'marker', 'zeroed', 'nonce', 'usedRecords', 'addressOrder'] as const;
export type LeakyVariant = (typeof LEAKY_VARIANTS)[number];

/** The cleartext a `marker` image carries, as an engine might write a header. */
export const MARKER = new TextEncoder().encode('PDDB basis header v1: hidden');

export function engineOptionsOf(variant: LeakyVariant): EngineOptions {
  if (variant === 'usedRecords') return { fastSpace: { keepUsedRecords: true } };
  if (variant === 'addressOrder') return { fastSpace: { addressOrder: true } };
  return {};
}

/** Apply an image-level variant in place, with the owner's keys (every basis). */
export function postProcess(
  variant: LeakyVariant,
  image: Uint8Array,
  keys: { system: BasisKeys; disclosed: BasisKeys[]; hidden: BasisKeys[] },
): void {
  if (variant !== 'marker' && variant !== 'zeroed' && variant !== 'nonce') return;
  const layout = computeLayout(image.length);
  const table = PageTable.load(MemoryFlash.from(image), layout, new SeededRandom('lab/variant'));
  const pagesOf = (k: BasisKeys) =>
    table
      .scan(k.pt)
      .map((m) => m.phys)
      .sort((a, b) => a - b);
  const at = (p: number) => dataPageOffset(layout, p);
  const hidden = keys.hidden.flatMap(pagesOf);
  if (variant === 'marker' && hidden.length > 0) image.set(MARKER, at(hidden[0]) + NONCE_SIZE);
  if (variant === 'nonce' && hidden.length > 0) {
    const nonce = image.slice(at(hidden[0]), at(hidden[0]) + NONCE_SIZE);
    for (const p of hidden) image.set(nonce, at(p));
  }
  if (variant === 'zeroed') {
    const mapped = new Set([keys.system, ...keys.disclosed, ...keys.hidden].flatMap(pagesOf));
    for (let p = 0; p < layout.dataPages; p++) if (!mapped.has(p)) image.fill(0, at(p), at(p) + PAGE_SIZE);
  }
}
