// `pddb check` (the original shell's `consistency`): every open basis walked page by page and key by key. Reports
// each page that is missing from the page table, fails to decrypt or lies past the end of the device, what it
// holds, each key it touches and how much of that key still reads. Names only: never a value or a key.
import { ROOT_VPAGE } from '../format/rootpage.ts';
import {
  DESCRIPTOR_VPAGES,
  LARGE_POOL_START,
  POOL_VPAGES,
  SMALL_POOL_START,
  dictOfDescriptorVpage,
} from '../format/vaddr.ts';
import { VPAGE_SIZE } from '../format/constants.ts';
import type { PageState } from './basis.ts';
import type { Catalog } from './catalog.ts';

export interface PageDamage {
  basis: string;
  vpage: number;
  state: Exclude<PageState, 'ok'>;
  /** What the page holds, as far as the basis tells: "the root", "descriptors of dict 'd'", "key 'k' of dict 'd'"... */
  holds: string;
}

export interface KeyDamage {
  basis: string;
  dict: string;
  key: string;
  len: number;
  /** Bytes of the value on pages that still read. */
  readable: number;
  badPages: number;
}

export interface BasisSummary {
  basis: string;
  dicts: number;
  keys: number;
  /** Pages the basis maps (all of them were decrypted by the check). */
  pages: number;
}

export interface CheckReport {
  ok: boolean;
  bases: BasisSummary[];
  pages: PageDamage[];
  keys: KeyDamage[];
}

export function checkBases(catalogs: readonly Catalog[]): CheckReport {
  const report: CheckReport = { ok: true, bases: [], pages: [], keys: [] };
  for (const c of catalogs) {
    const damage = new Map<number, PageDamage>();
    const dictNames = new Map([...c.dicts()].map((d) => [d.index, d.name]));
    let pages = 0;
    // Every page the basis maps: a damaged dict header or descriptor page hides its dict or keys, so only this walk
    // finds it. (The root is not a data page; it was checked when the basis opened.)
    for (const vpage of c.basis.vpages()) {
      pages++;
      if (vpage === ROOT_VPAGE) continue;
      const state = c.basis.pageState(vpage);
      if (state !== 'ok') damage.set(vpage, { basis: c.name, vpage, state, holds: holder(vpage, dictNames) });
    }
    // Every key's extent: a page missing from the table is found only here.
    const keysOn = new Map<PageDamage, string[]>();
    let keys = 0;
    for (const dict of c.dicts()) {
      keys += dict.keys.size;
      for (const k of dict.damagedKeys()) {
        report.keys.push({
          basis: c.name,
          dict: dict.name,
          key: k.key,
          len: k.len,
          readable: k.readable,
          badPages: k.pages.length,
        });
        for (const { vpage, state } of k.pages) {
          const known = damage.get(vpage);
          const touched = (known && keysOn.get(known)) ?? [];
          touched.push(`key '${k.key}' of dict '${dict.name}'`);
          const page = known ?? { basis: c.name, vpage, state: state as PageDamage['state'], holds: '' };
          // Bounded: the first key by name, then how many more (report.keys lists them all).
          page.holds = touched.length === 1 ? touched[0] : `${touched[0]} and ${touched.length - 1} more key(s)`;
          keysOn.set(page, touched);
          damage.set(vpage, page);
        }
      }
    }
    report.pages.push(...[...damage.values()].sort((a, b) => a.vpage - b.vpage));
    report.bases.push({ basis: c.name, dicts: c.dictCount, keys, pages });
  }
  report.ok = report.pages.length === 0 && report.keys.length === 0;
  return report;
}

/** What a vpage holds, from its virtual address alone (the layout of vaddr.ts). */
function holder(vpage: number, dictNames: Map<number, string>): string {
  const named = (d: number) => (dictNames.has(d) ? `dict '${dictNames.get(d)}'` : `dict #${d} (not loaded)`);
  const d = dictOfDescriptorVpage(vpage);
  if (d !== 0) return vpage === d * DESCRIPTOR_VPAGES ? `the header of ${named(d)}` : `key descriptors of ${named(d)}`;
  const addr = vpage * VPAGE_SIZE;
  if (addr >= LARGE_POOL_START) return 'a large key';
  if (addr >= SMALL_POOL_START)
    return `small keys of ${named(Math.floor((addr - SMALL_POOL_START) / (POOL_VPAGES * VPAGE_SIZE)) + 1)}`;
  return 'no known structure';
}
