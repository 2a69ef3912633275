// Where things live in a PDDB image, for damaging it on purpose: the physical pages each open basis maps (and to
// which virtual page), the pages holding each known value (found by decrypting and searching, so it needs values
// that do not occur by chance: random test data), and the data pages no basis maps.
import { SeededRandom } from '../../lib/random.ts';
import type { PddbEngine } from '../../pddb/engine/engine.ts';
import { PageTable } from '../../pddb/engine/pagetable.ts';
import type { Flash } from '../../pddb/flash/flash.ts';
import { PAGE_SIZE, VPAGE_SIZE } from '../../pddb/format/constants.ts';
import { openDataPage, pageAad } from '../../pddb/format/datapage.ts';
import type { Layout } from '../../pddb/format/layout.ts';

export interface ImageMap {
  /** Per open basis: physical data page -> virtual page. */
  pages: Map<string, Map<number, number>>;
  /** Per value path ("basis/dict/key"): the physical data pages holding its bytes. */
  valuePages: Map<string, number[]>;
  /** Data pages no open basis maps. */
  free: number[];
}

/** Map `flash` as `engine` (mounted on it, with every basis of interest unlocked) sees it. */
export function mapImage(engine: PddbEngine, flash: Flash, layout: Layout, values: Map<string, Uint8Array>): ImageMap {
  const pt = PageTable.load(flash, layout, new SeededRandom('image-map'));
  const pages = new Map<string, Map<number, number>>();
  const valuePages = new Map<string, number[]>();
  for (const { name, keys } of engine.exportKeys()) {
    const mapped = new Map<number, number>();
    for (const m of pt.scan(keys.pt)) mapped.set(m.phys, m.vpage);
    pages.set(name, mapped);
    for (const phys of mapped.keys()) {
      const opened = openDataPage(
        keys.data,
        flash.read(layout.dataOffset + phys * PAGE_SIZE, PAGE_SIZE),
        pageAad(name, 0n),
      );
      if (!opened) continue;
      const plain = Buffer.from(opened.data);
      for (const [path, v] of values) {
        if (!path.startsWith(`${name}/`)) continue;
        for (let at = 0; at < v.length; at += VPAGE_SIZE) {
          // A 16-byte probe from each page-sized chunk of the value (or the whole of a shorter tail).
          if (plain.includes(Buffer.from(v.subarray(at, Math.min(v.length, at + 16))))) {
            valuePages.set(path, [...new Set([...(valuePages.get(path) ?? []), phys])]);
          }
        }
      }
    }
  }
  const used = new Set([...pages.values()].flatMap((m) => [...m.keys()]));
  const free = Array.from({ length: layout.dataPages }, (_, p) => p).filter((p) => !used.has(p));
  return { pages, valuePages, free };
}
