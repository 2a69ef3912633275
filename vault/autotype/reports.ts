// Text <-> USB HID boot-keyboard input reports (8 bytes: modifiers, reserved, six key slots). Each character is a
// key-down report (Left Shift when needed) followed by an all-keys-up report, so repeated letters register. A
// newline (\n, \r\n or \r) is Enter. Characters the layout cannot type are refused with their positions; the
// characters themselves are never named (they are usually a secret).
import { VaultError } from '../records/errors.ts';
import { USAGE, type Layout } from './layouts.ts';

export const REPORT_BYTES = 8;
const LEFT_SHIFT = 0x02;

export function textToReports(text: string, layout: Layout): Uint8Array[] {
  const chars = [...text.replace(/\r\n?/g, '\n')];
  const bad: number[] = [];
  const reports: Uint8Array[] = [];
  chars.forEach((ch, i) => {
    const key = layout.byChar.get(ch);
    if (!key) return void bad.push(i);
    const down = new Uint8Array(REPORT_BYTES);
    down[0] = key.shift ? LEFT_SHIFT : 0;
    down[2] = key.usage;
    reports.push(down, new Uint8Array(REPORT_BYTES));
  });
  if (bad.length > 0) {
    const shown = bad.slice(0, 20).join(', ') + (bad.length > 20 ? ', ...' : '');
    throw new VaultError(
      'Untypable',
      `${bad.length} character(s) cannot be typed on the ${layout.name} layout, at position(s) ${shown}`,
    );
  }
  return reports;
}

/** What a host with `layout` would read from these reports (the test sink's decoder). */
export function reportsToText(reports: Uint8Array[], layout: Layout): string {
  let out = '';
  let held = new Set<number>();
  for (const r of reports) {
    if (r.length !== REPORT_BYTES)
      throw new VaultError('InvalidInput', `a keyboard report is ${REPORT_BYTES} bytes, not ${r.length}`);
    const shift = (r[0] & 0x22) !== 0;
    const now = new Set([...r.subarray(2)].filter((u) => u !== 0));
    for (const usage of now) {
      if (held.has(usage)) continue;
      if (usage === USAGE.enter) out += '\n';
      else if (usage === USAGE.tab) out += '\t';
      else if (usage === USAGE.space) out += ' ';
      else {
        const key = layout.keys.get(usage);
        if (!key) throw new VaultError('InvalidInput', `usage 0x${usage.toString(16)} is not a character key`);
        out += key[shift ? 1 : 0];
      }
    }
    held = now;
  }
  return out;
}
