// The original's record encoding (apps/vault/src/storage.rs): UTF-8 text, one `tag:value` per line, each line ended
// by '\n'; the tag ends at the first ':'. A line without ':' is skipped, as the original does. A tag seen twice
// appends (the original push_str's string fields), so we keep every occurrence in order.
import { VaultError } from './errors.ts';

export type TagLine = readonly [tag: string, value: string];

const utf8 = new TextDecoder('utf-8', { fatal: true });
const enc = new TextEncoder();

export function parseTagLines(bytes: Uint8Array): TagLine[] {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new VaultError('InvalidRecord', 'the record is not UTF-8');
  }
  const out: TagLine[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon >= 0) out.push([line.slice(0, colon), line.slice(colon + 1)]);
  }
  return out;
}

export function formatTagLines(lines: readonly TagLine[]): Uint8Array {
  let text = '';
  for (const [tag, value] of lines) {
    if (tag.includes(':') || tag.includes('\n'))
      throw new VaultError('InvalidInput', `tag '${tag.slice(0, 32)}' contains ':' or a newline`);
    if (value.includes('\n')) throw new VaultError('InvalidInput', `field '${tag}' contains a newline`);
    text += `${tag}:${value}\n`;
  }
  return enc.encode(text);
}

/** A decimal field as Rust's from_str_radix(10) reads it (an optional '+', digits), within `max`. */
export function parseDecimal(tag: string, value: string, max: number): number {
  if (!/^\+?[0-9]+$/.test(value)) throw new VaultError('InvalidRecord', `field '${tag}' is not a number`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n > max) throw new VaultError('InvalidRecord', `field '${tag}' is out of range`);
  return n;
}

export const U32_MAX = 0xffff_ffff;
