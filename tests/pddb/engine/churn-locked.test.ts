// Issue 7, section 2: churn with a basis left locked must not touch it. Churn may move only the pages of open bases
// and refresh only pages FastSpace knows to be free; before the fix it filled every page the cache listed, Used
// entries included, with noise, and a locked basis whose pages the cache listed as Used was destroyed.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../lib/random.ts';
import { PddbEngine } from '../../../pddb/engine/engine.ts';
import type { FastSpaceOptions } from '../../../pddb/engine/fastspace.ts';
import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { PIN, bytesOf, freshDevice, put } from './helpers.ts';

function mount(flash: MemoryFlash, keybox: Uint8Array, seed: string, fastSpace?: FastSpaceOptions): PddbEngine {
  return PddbEngine.mount(MemoryFlash.from(flash.snapshot()), keybox, PIN, {
    random: new SeededRandom(seed),
    fastSpace,
  });
}

describe('churn with a locked basis', () => {
  // The leaky variant keeps Used entries for the hidden basis's pages in the cache, as the engine did when the bug
  // was found: churn must leave those pages alone too.
  for (const [variant, fastSpace] of [
    ['default FastSpace', undefined],
    ['a cache that lists the locked pages as Used (leaky variant)', { keepUsedRecords: true }],
  ] as const) {
    it(`leaves every value of the locked basis readable (${variant})`, { timeout: 120_000 }, () => {
      const { flash, keybox } = freshDevice('churn-locked');
      let engine = mount(flash, keybox, 'write', fastSpace);
      engine.createBasis('hidden', 's3cret');
      engine.unlockBasis('hidden', 's3cret');
      const rng = new SeededRandom('values');
      const values = new Map<string, Uint8Array>();
      for (let i = 0; i < 12; i++) {
        const v = bytesOf(rng, i % 4 === 0 ? 9000 : 20 + 37 * i);
        put(engine, `vault.d${i % 3}`, `k${i}`, v, 'hidden');
        values.set(`vault.d${i % 3}:k${i}`, v);
      }
      put(engine, 'notes', 'todo', 'buy milk', '.System');
      engine.lockBasis('hidden');
      engine.close();
      const afterWrite = (engine as unknown as { store: { flash: MemoryFlash } }).store.flash;

      // A later session that never names the hidden basis: churn, power off.
      engine = mount(afterWrite, keybox, 'churn', fastSpace);
      engine.churn();
      engine.close();
      const afterChurn = (engine as unknown as { store: { flash: MemoryFlash } }).store.flash;

      engine = mount(afterChurn, keybox, 'read', fastSpace);
      engine.unlockBasis('hidden', 's3cret');
      for (const [path, want] of values) {
        const [dict, key] = path.split(':');
        const got = engine.readAll(engine.get(dict, key, { basis: 'hidden' }));
        expect(Buffer.from(got).equals(Buffer.from(want)), path).toBe(true);
      }
      expect(new TextDecoder().decode(engine.readAll(engine.get('notes', 'todo')))).toBe('buy milk');
    });
  }
});
