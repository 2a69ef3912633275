import { MemoryFlash } from '../../../pddb/flash/memory.ts';
import { PddbEngine } from '../../../pddb/engine/engine.ts';
import { SeededRandom } from '../../../lib/random.ts';
import { TEST_PDDB_LEN } from '../../../pddb/format/constants.ts';

export const PIN = '1234';

/** A freshly formatted 4 MiB image in memory, its keybox, and a mounted engine. */
export function freshDevice(seed = 'device', size = TEST_PDDB_LEN) {
  const flash = new MemoryFlash(size);
  const keybox = PddbEngine.format(flash, { pin: PIN, random: new SeededRandom(seed) });
  const engine = PddbEngine.mount(flash, keybox, PIN, { random: new SeededRandom(`${seed}-mount`) });
  return { flash, keybox, engine };
}

/** Power-cycle: close (sync) and mount again from the same flash bytes. */
export function remount(flash: MemoryFlash, keybox: Uint8Array, seed = 'remount') {
  return PddbEngine.mount(MemoryFlash.from(flash.snapshot()), keybox, PIN, { random: new SeededRandom(seed) });
}

export const utf8 = (s: string) => new TextEncoder().encode(s);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);
