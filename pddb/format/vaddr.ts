// The virtual address space of a basis (basis.rs, dictionary.rs). Virtual pages are VPAGE_SIZE (4064) bytes:
//   0xFE0                        the basis root (vpage 1)
//   d * 0xFE_0000                dict d's descriptor region (d = 1..16383), cut into 127-byte slots, 32 per vpage:
//                                slot 0 is the dict header, slots 1.. key descriptors
//   0x3F_8000_0000 + (d-1)*0xFE_0000 + p*4064   small-key pool page p of dict d
//   0xFE00_0000_0000 + ...       large keys, page aligned, a 32 GiB bump reservation each
import { DICT_MAX_COUNT, VPAGE_SIZE } from './constants.ts';

export const DICT_REGION = 0xfe_0000;
export const SLOT_SIZE = 127;
export const SLOTS_PER_VPAGE = VPAGE_SIZE / SLOT_SIZE; // 32
/** Vpages in one dict's descriptor region (4096: slot 0 header + 131,071 key slots = 4096 x 32). */
export const DESCRIPTOR_VPAGES = DICT_REGION / VPAGE_SIZE;
/** Vpages in one dict's small-key pool (the pool stride is DICT_REGION too). */
export const POOL_VPAGES = DICT_REGION / VPAGE_SIZE;
export const SMALL_POOL_START = 0x3f_8000_0000;
/** Keys whose start lies below this are small (dictionary.rs). */
export const SMALL_POOL_END = 0x7e_ff02_0000;
export const LARGE_POOL_START = 0xfe00_0000_0000;
/** ceil(32 GiB / 4064) * 4064: the original's stride between large keys. */
export const LARGE_KEY_STRIDE = 0x8_0000_0f60;

export function dictBase(d: number): number {
  return d * DICT_REGION;
}

/** The vpage holding slot `j` of dict `d`, and the slot's byte offset inside that vpage's 4064 data bytes. */
export function slotLocation(d: number, j: number): { vpage: number; at: number } {
  return { vpage: dictBase(d) / VPAGE_SIZE + Math.floor(j / SLOTS_PER_VPAGE), at: (j % SLOTS_PER_VPAGE) * SLOT_SIZE };
}

/** Dict index whose descriptor region holds `vpage`, or 0 when it is none (root, pools, large keys). */
export function dictOfDescriptorVpage(vpage: number): number {
  const d = Math.floor((vpage * VPAGE_SIZE) / DICT_REGION);
  return d >= 1 && d <= DICT_MAX_COUNT ? d : 0;
}

export function smallPoolVpage(d: number, p: number): number {
  return (SMALL_POOL_START + (d - 1) * DICT_REGION) / VPAGE_SIZE + p;
}

export function isSmallStart(start: number): boolean {
  return start < SMALL_POOL_END;
}
