// Reads keys from a copy of a device folder's image (pddb.bin + keybox.bin) with the engine, in this process: the
// sweeps' full check after each kill, without one `pvault` process per key. The copy lives in memory, so whatever
// recovery a mount does never touches the device under test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRandom } from '../../lib/random.ts';
import { PddbEngine } from '../../pddb/engine/engine.ts';
import { PddbError } from '../../pddb/errors.ts';
import { MemoryFlash } from '../../pddb/flash/memory.ts';

/** A key's value, null when absent, or the typed error that reading it gave. */
export type SnapshotRead = Uint8Array | null | { error: string };

/**
 * Mount a copy of `dir`'s image, unlock `passwords`' bases, and read each `basis/dict/key` path. Throws (with the
 * engine's message) when the copy does not mount or a basis does not unlock.
 */
export function readSnapshot(
  dir: string,
  pin: string,
  passwords: Record<string, string>,
  paths: string[],
): Map<string, SnapshotRead> {
  const flash = MemoryFlash.from(new Uint8Array(readFileSync(join(dir, 'pddb.bin'))));
  const keybox = new Uint8Array(readFileSync(join(dir, 'keybox.bin')));
  const engine = PddbEngine.mount(flash, keybox, pin, { random: new SeededRandom('snapshot') });
  for (const [basis, password] of Object.entries(passwords)) engine.unlockBasis(basis, password);
  const out = new Map<string, SnapshotRead>();
  for (const path of paths) {
    const [basis, dict, key] = path.split('/');
    try {
      out.set(path, engine.readAll(engine.get(dict, key, { basis })));
    } catch (e) {
      if (e instanceof PddbError && e.code === 'NotFound') out.set(path, null);
      else out.set(path, { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
  }
  return out;
}
