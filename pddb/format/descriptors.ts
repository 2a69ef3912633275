// Dict headers and key descriptors, each serialized into a 127-byte slot (dictionary.rs, key.rs; the 128-byte Rust
// structs less their trailing pad). All integers little-endian.
//   dict header:    flags u32 | age u32 | num_keys u32 | free_key_index u32 | name_len u8 | name[110]
//   key descriptor: start u64 | len u64 | reserved u64 | flags u32 | age u32 | name_len u8 | name[94]
// A slot is in use when flags bit 0 (valid) is set; empty slots are written as zeros.
import { DICT_NAME_MAX, KEY_NAME_MAX } from './constants.ts';
import { decodeUtf8 } from './rootpage.ts';
import { SLOT_SIZE } from './vaddr.ts';

export const FLAG_VALID = 0x1;
/** Key flag: data not yet placed in its pool page (cleared when the pool page is written). */
export const FLAG_UNRESOLVED = 0x2;

export interface DictHeader {
  flags: number;
  age: number;
  numKeys: number;
  freeKeyIndex: number;
  name: string;
}

export interface KeyDescriptor {
  start: number;
  len: number;
  reserved: number;
  flags: number;
  age: number;
  name: string;
}

export function encodeDictHeader(h: DictHeader, out: Uint8Array, at: number): void {
  const slot = out.subarray(at, at + SLOT_SIZE);
  slot.fill(0);
  const v = new DataView(slot.buffer, slot.byteOffset, SLOT_SIZE);
  v.setUint32(0, h.flags, true);
  v.setUint32(4, h.age >>> 0, true);
  v.setUint32(8, h.numKeys, true);
  v.setUint32(12, h.freeKeyIndex, true);
  writeName(slot, 16, h.name, DICT_NAME_MAX);
}

/** A valid header, or null for an empty or malformed slot (flash contents are never trusted). */
export function decodeDictHeader(page: Uint8Array, at: number): DictHeader | null {
  const v = new DataView(page.buffer, page.byteOffset + at, SLOT_SIZE);
  const flags = v.getUint32(0, true);
  if ((flags & FLAG_VALID) === 0) return null;
  const name = readName(page, at + 16, DICT_NAME_MAX);
  if (name === null) return null;
  return { flags, age: v.getUint32(4, true), numKeys: v.getUint32(8, true), freeKeyIndex: v.getUint32(12, true), name };
}

export function encodeKeyDescriptor(k: KeyDescriptor, out: Uint8Array, at: number): void {
  const slot = out.subarray(at, at + SLOT_SIZE);
  slot.fill(0);
  const v = new DataView(slot.buffer, slot.byteOffset, SLOT_SIZE);
  v.setBigUint64(0, BigInt(k.start), true);
  v.setBigUint64(8, BigInt(k.len), true);
  v.setBigUint64(16, BigInt(k.reserved), true);
  v.setUint32(24, k.flags, true);
  v.setUint32(28, k.age >>> 0, true);
  writeName(slot, 32, k.name, KEY_NAME_MAX);
}

export function decodeKeyDescriptor(page: Uint8Array, at: number): KeyDescriptor | null {
  const v = new DataView(page.buffer, page.byteOffset + at, SLOT_SIZE);
  const flags = v.getUint32(24, true);
  if ((flags & FLAG_VALID) === 0) return null;
  const name = readName(page, at + 32, KEY_NAME_MAX);
  if (name === null) return null;
  const start = safeU64(v, 0);
  const len = safeU64(v, 8);
  const reserved = safeU64(v, 16);
  if (start === null || len === null || reserved === null || len > reserved) return null;
  return { start, len, reserved, flags, age: v.getUint32(28, true), name };
}

function writeName(slot: Uint8Array, at: number, name: string, max: number): void {
  const bytes = new TextEncoder().encode(name);
  if (bytes.length > max) throw new RangeError('name too long');
  slot[at] = bytes.length;
  slot.set(bytes, at + 1);
}

function readName(page: Uint8Array, at: number, max: number): string | null {
  const len = page[at];
  if (len === 0 || len > max) return null;
  return decodeUtf8(page.subarray(at + 1, at + 1 + len));
}

function safeU64(v: DataView, at: number): number | null {
  const x = v.getBigUint64(at, true);
  return x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : null;
}
